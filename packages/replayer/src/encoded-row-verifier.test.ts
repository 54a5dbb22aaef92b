import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { InsnColumns } from '@hvrr/events';
import { InsnEncoder, type EncodedInsns } from '@hvrr/recorder';
import { EncodedRowVerifier } from './encoded-row-verifier.js';

/** n rows of a small loop starting at icount `first`. */
function rows(first: number, n: number, tweak?: (b: InsnColumns, i: number) => void): InsnColumns {
  const b = new InsnColumns(Math.max(1, n));
  b.reset(first);
  for (let i = 0; i < n; i++) {
    const k = first + i;
    b.pc[i] = 0x80000000 + 4 * (k % 5);
    b.raw[i] = k % 5 === 4 ? 0x00a12023 : 0x00150513; // sw a0, 0(sp) / addi a0, a0, 1
    b.rdValue[i] = k;
    if (k % 5 === 4) {
      b.storeAddr[i] = 0x80001000;
      b.storeValue[i] = k;
      b.flags[i] = 1 | (4 << 1);
    }
    tweak?.(b, i);
    b.count++;
  }
  return b;
}

/** The recorded chunks: `sizes` rows each. */
function recorded(sizes: number[]): EncodedInsns[] {
  let first = 0;
  return sizes.map((n) => {
    const e = new InsnEncoder();
    e.add(rows(first, n));
    first += n;
    const enc = e.encoded();
    return { ...enc, ctrl: enc.ctrl.slice(), pc: enc.pc.slice(), raw: enc.raw.slice(), rd: enc.rd.slice(), sa: enc.sa.slice(), sv: enc.sv.slice() };
  });
}

/** Feeds rows [0, total) in batches of `batch` rows. */
function feed(v: EncodedRowVerifier, total: number, batch: number, tweak?: (b: InsnColumns, i: number) => void): void {
  for (let at = 0; at < total && !v.stopped; at += batch) v.instructions(rows(at, Math.min(batch, total - at), tweak));
}

describe('EncodedRowVerifier', () => {
  it('accepts the recorded rows whatever the live batch sizes, and finds the first changed row', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 500 }), fc.nat(), (sizes, batch, pick) => {
        const total = sizes.reduce((a, b) => a + b, 0);
        const ok = new EncodedRowVerifier(recorded(sizes)[Symbol.iterator](), true);
        feed(ok, total, batch);
        ok.finish();
        expect(ok.mismatch).toBeNull();
        expect(ok.rowsMatched).toBe(total);

        // Not a store row: its rd field is 0, and x0's value is no part of the format.
        let bad = pick % total;
        if (bad % 5 === 4) bad--;
        const v = new EncodedRowVerifier(recorded(sizes)[Symbol.iterator](), true);
        feed(v, total, batch, (b, i) => {
          if (b.firstIcount + i === bad) b.rdValue[i] ^= 0x100;
        });
        v.finish();
        expect(v.mismatch?.kind).toBe('insn');
        expect(v.mismatch?.icount).toBe(bad);
      }),
    );
  });

  it('reports rows the replay never produced, and rows past the end of a complete trace', () => {
    const short = new EncodedRowVerifier(recorded([100, 100])[Symbol.iterator](), true);
    feed(short, 150, 64);
    short.finish();
    expect(short.mismatch).toMatchObject({ kind: 'missing', icount: 150 });
    const long = new EncodedRowVerifier(recorded([100])[Symbol.iterator](), true);
    feed(long, 120, 64);
    expect(long.mismatch).toMatchObject({ kind: 'extra', icount: 100 });
    const cut = new EncodedRowVerifier(recorded([100])[Symbol.iterator](), false);
    feed(cut, 120, 64);
    expect(cut.mismatch).toBeNull();
    expect(cut.pastEnd).toBe(true);
  });
});
