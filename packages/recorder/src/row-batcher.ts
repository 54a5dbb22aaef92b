import type { InsnColumns } from '@hvrr/events';
import type { InsnRows } from './insn-codec.js';

/**
 * Gathers retired-instruction rows into batches of a fixed size to hand to another
 * thread: the full level makes many small batches around traps and device accesses,
 * and one message per 64K rows costs far less than one per batch. Batches are
 * transferred (not copied) and come back through `recycle` once used, so the steady
 * state allocates nothing: fresh megabyte arrays cost page faults on every message.
 */
export class RowBatcher {
  private rows: InsnRows;
  private readonly free: InsnRows[] = [];

  constructor(readonly capacity = 1 << 16) {
    this.rows = this.fresh();
  }

  private fresh(): InsnRows {
    const n = this.capacity;
    return {
      firstIcount: 0,
      count: 0,
      pc: new Int32Array(n),
      raw: new Int32Array(n),
      rdValue: new Int32Array(n),
      storeAddr: new Int32Array(n),
      storeValue: new Int32Array(n),
      flags: new Uint8Array(n),
    };
  }

  get count(): number {
    return this.rows.count;
  }

  /** Copies a batch in; calls `full` with each batch that fills up. */
  add(batch: InsnColumns | InsnRows, full: (rows: InsnRows) => void): void {
    let from = 0;
    const n = batch.count;
    while (from < n) {
      const r = this.rows;
      if (r.count === 0) r.firstIcount = batch.firstIcount + from;
      const k = Math.min(n - from, this.capacity - r.count);
      const at = r.count;
      r.pc.set(batch.pc.subarray(from, from + k), at);
      r.raw.set(batch.raw.subarray(from, from + k), at);
      r.rdValue.set(batch.rdValue.subarray(from, from + k), at);
      r.storeAddr.set(batch.storeAddr.subarray(from, from + k), at);
      r.storeValue.set(batch.storeValue.subarray(from, from + k), at);
      r.flags.set(batch.flags.subarray(from, from + k), at);
      r.count += k;
      from += k;
      if (r.count === this.capacity) full(this.take()!);
    }
  }

  /** The rows gathered so far (arrays of `capacity` length, `count` rows used), or null when there are none. */
  take(): InsnRows | null {
    const r = this.rows;
    if (r.count === 0) return null;
    this.rows = this.free.pop() ?? this.fresh();
    this.rows.count = 0;
    return r;
  }

  /** Gives back a batch's arrays (transferred back by the thread that used it). */
  recycle(r: InsnRows): void {
    if (r.pc.length === this.capacity && this.free.length < 8) this.free.push(r);
  }
}

/** The buffers of a batch, for a postMessage transfer list. */
export function rowBuffers(r: InsnRows): ArrayBuffer[] {
  return [r.pc, r.raw, r.rdValue, r.storeAddr, r.storeValue, r.flags].map((a) => a.buffer as ArrayBuffer);
}
