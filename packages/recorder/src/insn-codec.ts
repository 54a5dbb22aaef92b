import { INSN_HAS_STORE, type InsnColumns } from '@hvrr/events';
import { ByteWriter } from './byte-writer.js';

/**
 * The columnar encoding of retired instructions (docs/trace-format.md, "insn chunks").
 *
 * Each row is predicted from what came before and only the misses are written:
 * the pc from pc + 4 of the previous row, the instruction word from the last word
 * seen at the same pc (a 64K-entry cache indexed by pc), the rd value from a shadow
 * register file that the rd values themselves keep, and a store's address and value
 * from that shadow file and the instruction's fields. One control byte per row says
 * which predictions missed; the misses go into separate columns, so each column holds
 * one kind of number and compresses well. Predictions restart with every chunk, so
 * each chunk decodes on its own.
 */
export const CTRL_PC_JUMP = 1;
export const CTRL_RAW_NEW = 2;
export const CTRL_RD_CHANGED = 4;
export const CTRL_STORE = 8;
/** Bits 4-5: store size code, 0 = byte, 1 = half, 2 = word. */
export const CTRL_SIZE_SHIFT = 4;
export const CTRL_STORE_ADDR_MISS = 64;
export const CTRL_STORE_VALUE_MISS = 128;

const RAW_CACHE_BITS = 12;
const RAW_CACHE_MASK = (1 << RAW_CACHE_BITS) - 1;

/** Decoded rows of one chunk, with the same columns as InsnColumns. */
export interface InsnRows {
  firstIcount: number;
  count: number;
  pc: Int32Array;
  raw: Int32Array;
  rdValue: Int32Array;
  storeAddr: Int32Array;
  storeValue: Int32Array;
  flags: Uint8Array;
}

/** The columns of one encoded chunk as msgpack carries them (all Uint8Array). */
export interface EncodedInsns {
  first: number;
  count: number;
  ctrl: Uint8Array;
  pc: Uint8Array;
  raw: Uint8Array;
  rd: Uint8Array;
  sa: Uint8Array;
  sv: Uint8Array;
}

/** Predicted store address: rs1 + the S-type immediate for STORE, rs1 for AMO (LR/SC too). */
function predictStoreAddr(raw: number, regs: Int32Array): number {
  const base = regs[(raw >>> 15) & 31]!;
  if ((raw & 0x7f) === 0x23) return (base + (((raw >> 25) << 5) | ((raw >>> 7) & 31))) | 0;
  return base;
}

function sizeMask(code: number): number {
  return code === 0 ? 0xff : code === 1 ? 0xffff : -1;
}

export class InsnEncoder {
  private readonly ctrl = new ByteWriter(1 << 16);
  private readonly pcs = new ByteWriter(1 << 12);
  private readonly raws = new ByteWriter(1 << 12);
  private readonly rds = new ByteWriter(1 << 16);
  private readonly sas = new ByteWriter(1 << 12);
  private readonly svs = new ByteWriter(1 << 12);
  private readonly regs = new Int32Array(32);
  private readonly rawCache = new Int32Array(1 << RAW_CACHE_BITS);
  private prevPc = 0;
  first = 0;
  count = 0;

  constructor(firstIcount = 0) {
    this.reset(firstIcount);
  }

  reset(firstIcount: number): void {
    this.first = firstIcount;
    this.count = 0;
    this.ctrl.reset();
    this.pcs.reset();
    this.raws.reset();
    this.rds.reset();
    this.sas.reset();
    this.svs.reset();
    this.regs.fill(0);
    this.rawCache.fill(0);
    this.prevPc = 0;
  }

  /** Bytes held so far (an estimate of the chunk size before compression). */
  get size(): number {
    return this.ctrl.pos + this.pcs.pos + this.raws.pos + this.rds.pos + this.sas.pos + this.svs.pos;
  }

  /** Appends every row of `batch`; its rows must follow the rows already added. */
  add(batch: InsnColumns | InsnRows): void {
    const n = batch.count;
    if (n === 0) return;
    if (this.count === 0) this.first = batch.firstIcount;
    else if (batch.firstIcount !== this.first + this.count)
      throw new Error(`instruction batch starts at ${batch.firstIcount}, expected ${this.first + this.count}`);
    const { pc, raw, rdValue, storeAddr, storeValue, flags } = batch;
    // Room for the worst case up front, so the loop writes into plain arrays with no calls.
    this.ctrl.ensure(n);
    this.pcs.ensure(5 * n);
    this.raws.ensure(4 * n);
    this.rds.ensure(5 * n);
    this.sas.ensure(5 * n);
    this.svs.ensure(5 * n);
    const cb = this.ctrl.buf;
    const pb = this.pcs.buf;
    const wb = this.raws.buf;
    const rb = this.rds.buf;
    const ab = this.sas.buf;
    const vb = this.svs.buf;
    let cp = this.ctrl.pos;
    let pp = this.pcs.pos;
    let wp = this.raws.pos;
    let rp = this.rds.pos;
    let ap = this.sas.pos;
    let vp = this.svs.pos;
    const regs = this.regs;
    const cache = this.rawCache;
    let prevPc = this.prevPc;
    for (let i = 0; i < n; i++) {
      const p = pc[i]!;
      const w = raw[i]!;
      let c = 0;
      if (p !== ((prevPc + 4) | 0)) {
        c = CTRL_PC_JUMP;
        const d = (p - prevPc - 4) | 0;
        let z = (d << 1) ^ (d >> 31);
        while ((z & -128) !== 0) {
          pb[pp++] = (z & 0x7f) | 0x80;
          z >>>= 7;
        }
        pb[pp++] = z;
      }
      prevPc = p;
      const slot = (p >>> 2) & RAW_CACHE_MASK;
      if (cache[slot] !== w) {
        c |= CTRL_RAW_NEW;
        cache[slot] = w;
        wb[wp] = w;
        wb[wp + 1] = w >>> 8;
        wb[wp + 2] = w >>> 16;
        wb[wp + 3] = w >>> 24;
        wp += 4;
      }
      const f = flags[i]!;
      if ((f & INSN_HAS_STORE) !== 0) {
        const code = f & 8 ? 2 : f & 4 ? 1 : 0;
        c |= CTRL_STORE | (code << CTRL_SIZE_SHIFT);
        const a = storeAddr[i]!;
        const pa = predictStoreAddr(w, regs);
        if (a !== pa) {
          c |= CTRL_STORE_ADDR_MISS;
          const d = (a - pa) | 0;
          let z = (d << 1) ^ (d >> 31);
          while ((z & -128) !== 0) {
            ab[ap++] = (z & 0x7f) | 0x80;
            z >>>= 7;
          }
          ab[ap++] = z;
        }
        const v = storeValue[i]!;
        const pv = regs[(w >>> 20) & 31]! & sizeMask(code);
        if (v !== pv) {
          c |= CTRL_STORE_VALUE_MISS;
          const d = (v - pv) | 0;
          let z = (d << 1) ^ (d >> 31);
          while ((z & -128) !== 0) {
            vb[vp++] = (z & 0x7f) | 0x80;
            z >>>= 7;
          }
          vb[vp++] = z;
        }
      }
      const rd = (w >>> 7) & 31;
      if (rd !== 0) {
        const v = rdValue[i]!;
        const d = (v - regs[rd]!) | 0;
        if (d !== 0) {
          c |= CTRL_RD_CHANGED;
          regs[rd] = v;
          let z = (d << 1) ^ (d >> 31);
          while ((z & -128) !== 0) {
            rb[rp++] = (z & 0x7f) | 0x80;
            z >>>= 7;
          }
          rb[rp++] = z;
        }
      }
      cb[cp++] = c;
    }
    this.ctrl.pos = cp;
    this.pcs.pos = pp;
    this.raws.pos = wp;
    this.rds.pos = rp;
    this.sas.pos = ap;
    this.svs.pos = vp;
    this.prevPc = prevPc;
    this.count += n;
  }

  /** The encoded columns (views into this encoder's buffers: pack them before the next reset). */
  encoded(): EncodedInsns {
    return {
      first: this.first,
      count: this.count,
      ctrl: this.ctrl.view(),
      pc: this.pcs.view(),
      raw: this.raws.view(),
      rd: this.rds.view(),
      sa: this.sas.view(),
      sv: this.svs.view(),
    };
  }
}

/** Reads a zigzag varint of column `k` at position pos[k] (advancing it); past the end it reads zeros. */
function zz(buf: Uint8Array, pos: Int32Array, k: number): number {
  let p = pos[k]!;
  let z = 0;
  let shift = 0;
  for (;;) {
    const byte = p < buf.length ? buf[p]! : 0;
    p++;
    z |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0 || shift >= 28) break;
    shift += 7;
  }
  pos[k] = p;
  return (z >>> 1) ^ -(z & 1);
}

const COL_PC = 0;
const COL_RAW = 1;
const COL_RD = 2;
const COL_SA = 3;
const COL_SV = 4;

/**
 * Decodes one chunk's columns; throws RangeError when they are malformed. `into`
 * lends arrays to decode into when they are large enough (a reader that checks one
 * chunk at a time reuses them instead of allocating per chunk).
 */
export function decodeInsns(e: EncodedInsns, into?: InsnRows): InsnRows {
  const n = e.count;
  if (!Number.isInteger(n) || n < 0 || !(e.ctrl instanceof Uint8Array) || e.ctrl.length !== n) throw new RangeError('instruction chunk: control column length differs from the row count');
  for (const col of [e.pc, e.raw, e.rd, e.sa, e.sv]) if (!(col instanceof Uint8Array)) throw new RangeError('instruction chunk: a column is missing');
  const reuse = into !== undefined && into.pc.length >= n;
  const pc = reuse ? into.pc : new Int32Array(n);
  const raw = reuse ? into.raw : new Int32Array(n);
  const rdValue = reuse ? into.rdValue : new Int32Array(n);
  const storeAddr = reuse ? into.storeAddr : new Int32Array(n);
  const storeValue = reuse ? into.storeValue : new Int32Array(n);
  const flags = reuse ? into.flags : new Uint8Array(n);
  if (reuse) {
    // Rows without a store or without rd keep zeros in those columns.
    storeAddr.fill(0, 0, n);
    storeValue.fill(0, 0, n);
    flags.fill(0, 0, n);
    rdValue.fill(0, 0, n);
  }
  const pos = new Int32Array(5);
  const pcs = e.pc;
  const raws = e.raw;
  const rds = e.rd;
  const sas = e.sa;
  const svs = e.sv;
  const regs = new Int32Array(32);
  const cache = new Int32Array(1 << RAW_CACHE_BITS);
  const ctrl = e.ctrl;
  let prevPc = 0;
  let rp = 0;
  let dp = 0;
  const rdLen = rds.length;
  for (let i = 0; i < n; i++) {
    const c = ctrl[i]!;
    let p = (prevPc + 4) | 0;
    if ((c & CTRL_PC_JUMP) !== 0) p = (p + zz(pcs, pos, COL_PC)) | 0;
    prevPc = p;
    pc[i] = p;
    const slot = (p >>> 2) & RAW_CACHE_MASK;
    let w: number;
    if ((c & CTRL_RAW_NEW) !== 0) {
      if (rp + 4 > raws.length) throw new RangeError('instruction chunk: instruction-word column too short');
      w = raws[rp]! | (raws[rp + 1]! << 8) | (raws[rp + 2]! << 16) | (raws[rp + 3]! << 24);
      rp += 4;
      cache[slot] = w;
    } else w = cache[slot]!;
    raw[i] = w;
    if ((c & CTRL_STORE) !== 0) {
      const code = (c >>> CTRL_SIZE_SHIFT) & 3;
      let a = predictStoreAddr(w, regs);
      if ((c & CTRL_STORE_ADDR_MISS) !== 0) a = (a + zz(sas, pos, COL_SA)) | 0;
      storeAddr[i] = a;
      let v = regs[(w >>> 20) & 31]! & sizeMask(code);
      if ((c & CTRL_STORE_VALUE_MISS) !== 0) v = (v + zz(svs, pos, COL_SV)) | 0;
      storeValue[i] = v;
      flags[i] = INSN_HAS_STORE | ((1 << code) << 1);
    }
    const rd = (w >>> 7) & 31;
    if (rd !== 0) {
      if ((c & CTRL_RD_CHANGED) !== 0) {
        // The hot column: its varint is read inline.
        let z = 0;
        let shift = 0;
        for (;;) {
          const byte = dp < rdLen ? rds[dp]! : 0;
          dp++;
          z |= (byte & 0x7f) << shift;
          if ((byte & 0x80) === 0 || shift >= 28) break;
          shift += 7;
        }
        regs[rd] = (regs[rd]! + ((z >>> 1) ^ -(z & 1))) | 0;
      }
      rdValue[i] = regs[rd]!;
    }
  }
  pos[COL_RAW] = rp;
  pos[COL_RD] = dp;
  const lengths = [pcs.length, raws.length, rds.length, sas.length, svs.length];
  for (let k = 0; k < 5; k++) if (pos[k] !== lengths[k]) throw new RangeError('instruction chunk: a column does not hold exactly what the rows use');
  return { firstIcount: e.first, count: n, pc, raw, rdValue, storeAddr, storeValue, flags };
}
