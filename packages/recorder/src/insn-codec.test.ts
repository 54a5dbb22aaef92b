import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { InsnColumns } from '@hvrr/events';
import { InsnEncoder, decodeInsns, type EncodedInsns } from './insn-codec.js';
import { packValue, unpackValue } from './msgpack.js';

/** A random batch: rows mostly sequential with repeating words, as real code is, plus arbitrary values. */
const rowArb = fc.record({
  jump: fc.boolean(),
  pcDelta: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  raw: fc.oneof(fc.constantFrom(0x00150513, 0x00a12023, 0xfe010113, 0x0000006f), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  rdValue: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  store: fc.option(fc.record({ size: fc.constantFrom(1, 2, 4), addr: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) })),
});

function columnsOf(rows: fc.Infer<typeof rowArb>[], first: number): InsnColumns {
  const b = new InsnColumns(Math.max(1, rows.length));
  b.reset(first);
  let pc = 0x80000000 | 0;
  for (const r of rows) {
    pc = r.jump ? (pc + r.pcDelta) | 0 : (pc + 4) | 0;
    const i = b.count++;
    b.pc[i] = pc;
    b.raw[i] = r.raw;
    b.rdValue[i] = r.rdValue;
    if (r.store) {
      const mask = r.store.size === 4 ? -1 : r.store.size === 2 ? 0xffff : 0xff;
      b.storeAddr[i] = r.store.addr;
      b.storeValue[i] = r.store.value & mask;
      b.flags[i] = 1 | (r.store.size << 1);
    }
  }
  return b;
}

describe('instruction columns codec', () => {
  it('round-trips every column (pc, word, rd value, store address, value and size) through msgpack', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 300 }), fc.array(rowArb, { maxLength: 50 }), fc.nat(1e9), (rowsA, rowsB, first) => {
        const a = columnsOf(rowsA, first);
        const b = columnsOf(rowsB, first + rowsA.length);
        const enc = new InsnEncoder();
        enc.add(a);
        enc.add(b);
        const wire = unpackValue(packValue(enc.encoded())) as EncodedInsns;
        const d = decodeInsns(wire);
        if (d.count > 0) expect(d.firstIcount).toBe(first);
        expect(d.count).toBe(rowsA.length + rowsB.length);
        const all = [a, b];
        let k = 0;
        for (const src of all)
          for (let i = 0; i < src.count; i++, k++) {
            expect(d.pc[k]).toBe(src.pc[i]);
            expect(d.raw[k]).toBe(src.raw[i]);
            // x0's value is not kept: the format stores 0 for rows whose rd field is 0.
            expect(d.rdValue[k]).toBe(((src.raw[i]! >>> 7) & 31) === 0 ? 0 : src.rdValue[i]);
            expect(d.flags[k]).toBe(src.flags[i]);
            if (src.flags[i]) {
              expect(d.storeAddr[k]).toBe(src.storeAddr[i]);
              expect(d.storeValue[k]).toBe(src.storeValue[i]);
            }
          }
      }),
    );
  });

  it('costs about one byte per row for a straight loop of repeated words', () => {
    const b = new InsnColumns(4096);
    b.reset(0);
    for (let i = 0; i < 4096; i++) {
      b.pc[i] = 0x80000000 + (i % 4) * 4;
      b.raw[i] = 0x00150513; // addi a0, a0, 1
      b.rdValue[i] = i;
      b.count++;
    }
    // pc wraps every 4 rows (a jump); a0 grows by 1 each row.
    const enc = new InsnEncoder();
    enc.add(b);
    expect(enc.size).toBeLessThan(4096 * 2.5);
    expect(decodeInsns(enc.encoded()).rdValue[4095]).toBe(4095);
  });

  it('rejects a chunk whose columns are cut short or too long', () => {
    const b = columnsOf([{ jump: true, pcDelta: 1000, raw: 0x12345678, rdValue: 99999, store: null }], 0);
    const enc = new InsnEncoder();
    enc.add(b);
    const e = enc.encoded();
    expect(() => decodeInsns({ ...e, raw: e.raw.subarray(0, 2) })).toThrow(RangeError);
    expect(() => decodeInsns({ ...e, rd: Uint8Array.of(...e.rd, 0) })).toThrow(RangeError);
    expect(() => decodeInsns({ ...e, count: 2 })).toThrow(RangeError);
  });

  it('refuses a batch that does not follow the rows already added', () => {
    const enc = new InsnEncoder();
    enc.add(columnsOf([{ jump: false, pcDelta: 0, raw: 0x13, rdValue: 0, store: null }], 10));
    expect(() => enc.add(columnsOf([{ jump: false, pcDelta: 0, raw: 0x13, rdValue: 0, store: null }], 12))).toThrow(/expected 11/);
  });
});

describe('msgpack codec', () => {
  it('packs byte columns as msgpack bin and gets the same bytes back, whatever their view offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(8), (bytes, off) => {
        const backing = new Uint8Array(bytes.length + off);
        backing.set(bytes, off);
        const view = backing.subarray(off);
        const out = unpackValue(packValue({ col: view })) as { col: Uint8Array };
        expect(out.col).toBeInstanceOf(Uint8Array);
        expect(Array.from(out.col)).toEqual(Array.from(bytes));
      }),
    );
  });

  it('keeps 32-bit values, negative numbers and byte strings exact in events', () => {
    const e = { type: 'mmio', icount: 2 ** 40, addr: 0xffffffff, value: -1, bytes: Uint8Array.of(0, 255) };
    expect(unpackValue(packValue(e))).toEqual({ ...e, bytes: expect.any(Uint8Array) });
    expect(Array.from((unpackValue(packValue(e)) as typeof e).bytes)).toEqual([0, 255]);
  });
});
