import type { InsnColumns } from '@hvrr/events';
import { decodeInsns, InsnEncoder, type EncodedInsns, type InsnRows } from '@hvrr/recorder';
import { insnEvent } from './event-format.js';
import { TraceError } from './trace-error.js';
import { Verifier, type Mismatch } from './verifier.js';

/** A recorded chunk, with where it is in the file (for error messages). */
export type PlacedInsns = EncodedInsns & { where?: string; offset?: number };

function decode(e: PlacedInsns): InsnRows {
  try {
    return decodeInsns(e);
  } catch (err) {
    throw new TraceError(`${e.where ?? 'an instruction chunk'}: ${(err as Error).message}`, 'corrupt', e.offset ?? null);
  }
}

const COLUMNS = ['ctrl', 'pc', 'raw', 'rd', 'sa', 'sv'] as const;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/**
 * Checks live instruction rows against a trace without decoding it: the live rows
 * are encoded exactly as the recorder encoded them, chunk by chunk at the recorded
 * chunk boundaries, and the encoded columns are compared as bytes. The encoding is a
 * function of the rows, so equal bytes mean equal rows; only a chunk that differs is
 * decoded (both sides) to find the first differing row.
 */
export class EncodedRowVerifier {
  mismatch: Mismatch | null = null;
  pastEnd = false;
  rowsMatched = 0;
  private rec: PlacedInsns | null = null;
  private readonly enc = new InsnEncoder();

  constructor(
    private readonly chunks: Iterator<PlacedInsns>,
    private readonly complete: boolean,
  ) {}

  get stopped(): boolean {
    return this.mismatch !== null || this.pastEnd;
  }

  instructions(batch: InsnColumns | InsnRows): void {
    let i = 0;
    const n = batch.count;
    while (i < n && !this.stopped) {
      if (this.rec === null) {
        const r = this.chunks.next();
        if (r.done) {
          if (this.complete) {
            const live = rowsOf(batch, i, 1);
            this.mismatch = { kind: 'extra', icount: live.firstIcount, expected: null, actual: insnEvent(live, 0) };
          } else this.pastEnd = true;
          return;
        }
        if (r.value.count === 0) continue;
        this.rec = r.value;
        this.enc.reset(r.value.first);
      }
      const k = Math.min(n - i, this.rec.count - this.enc.count);
      this.enc.add(rowsOf(batch, i, k));
      i += k;
      if (this.enc.count === this.rec.count) this.closeChunk();
    }
  }

  /** The replay ended: a recorded chunk only partly reproduced, or more chunks, were never reproduced. */
  finish(): void {
    if (this.stopped) return;
    if (this.rec !== null) {
      this.locate();
      return;
    }
    for (;;) {
      const r = this.chunks.next();
      if (r.done) return;
      if (r.value.count > 0) {
        const d = decode(r.value);
        this.mismatch = { kind: 'missing', icount: d.firstIcount, expected: insnEvent(d, 0), actual: null };
        return;
      }
    }
  }

  private closeChunk(): void {
    const rec = this.rec!;
    const live = this.enc.encoded();
    if (live.first === rec.first && COLUMNS.every((c) => sameBytes(live[c], rec[c]))) {
      this.rowsMatched += rec.count;
      this.rec = null;
      return;
    }
    this.locate();
  }

  /** Decodes the recorded chunk and the live rows of it and reports the first row that differs. */
  private locate(): void {
    const rec = decode(this.rec!);
    const live = decodeInsns(this.enc.encoded());
    const v = new Verifier([][Symbol.iterator](), [rec][Symbol.iterator](), true, () => {});
    v.instructions(live as unknown as InsnColumns);
    if (v.mismatch !== null) this.mismatch = v.mismatch;
    else if (live.count < rec.count) this.mismatch = { kind: 'missing', icount: rec.firstIcount + live.count, expected: insnEvent(rec, live.count), actual: null };
    else this.rowsMatched += rec.count;
    this.rec = null;
  }
}

/** Rows [from, from + k) of a batch as a batch of their own (views, no copy). */
function rowsOf(b: InsnColumns | InsnRows, from: number, k: number): InsnRows {
  return {
    firstIcount: b.firstIcount + from,
    count: k,
    pc: b.pc.subarray(from, from + k),
    raw: b.raw.subarray(from, from + k),
    rdValue: b.rdValue.subarray(from, from + k),
    storeAddr: b.storeAddr.subarray(from, from + k),
    storeValue: b.storeValue.subarray(from, from + k),
    flags: b.flags.subarray(from, from + k),
  };
}
