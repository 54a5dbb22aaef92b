import { INSN_HAS_STORE, type InsnColumns } from '@hvrr/events';
import { ByteReader, ByteWriter } from './byte-writer.js';

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

const RAW_CACHE_BITS = 16;
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
        let u = ((d << 1) ^ (d >> 31)) >>> 0;
        while (u >= 0x80) {
          pb[pp++] = (u & 0x7f) | 0x80;
          u >>>= 7;
        }
        pb[pp++] = u;
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
          let u = ((d << 1) ^ (d >> 31)) >>> 0;
          while (u >= 0x80) {
            ab[ap++] = (u & 0x7f) | 0x80;
            u >>>= 7;
          }
          ab[ap++] = u;
        }
        const v = storeValue[i]!;
        const pv = regs[(w >>> 20) & 31]! & sizeMask(code);
        if (v !== pv) {
          c |= CTRL_STORE_VALUE_MISS;
          const d = (v - pv) | 0;
          let u = ((d << 1) ^ (d >> 31)) >>> 0;
          while (u >= 0x80) {
            vb[vp++] = (u & 0x7f) | 0x80;
            u >>>= 7;
          }
          vb[vp++] = u;
        }
      }
      const rd = (w >>> 7) & 31;
      if (rd !== 0) {
        const v = rdValue[i]!;
        const d = (v - regs[rd]!) | 0;
        if (d !== 0) {
          c |= CTRL_RD_CHANGED;
          regs[rd] = v;
          let u = ((d << 1) ^ (d >> 31)) >>> 0;
          while (u >= 0x80) {
            rb[rp++] = (u & 0x7f) | 0x80;
            u >>>= 7;
          }
          rb[rp++] = u;
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

/** Decodes one chunk's columns; throws RangeError when they are malformed. */
export function decodeInsns(e: EncodedInsns): InsnRows {
  const n = e.count;
  if (!Number.isInteger(n) || n < 0 || e.ctrl.length !== n) throw new RangeError('instruction chunk: control column length differs from the row count');
  const out: InsnRows = {
    firstIcount: e.first,
    count: n,
    pc: new Int32Array(n),
    raw: new Int32Array(n),
    rdValue: new Int32Array(n),
    storeAddr: new Int32Array(n),
    storeValue: new Int32Array(n),
    flags: new Uint8Array(n),
  };
  const pcs = new ByteReader(e.pc);
  const raws = new ByteReader(e.raw);
  const rds = new ByteReader(e.rd);
  const sas = new ByteReader(e.sa);
  const svs = new ByteReader(e.sv);
  const regs = new Int32Array(32);
  const cache = new Int32Array(1 << RAW_CACHE_BITS);
  const ctrl = e.ctrl;
  let prevPc = 0;
  for (let i = 0; i < n; i++) {
    const c = ctrl[i]!;
    const p = (c & CTRL_PC_JUMP) !== 0 ? (prevPc + 4 + pcs.zigzag()) | 0 : (prevPc + 4) | 0;
    prevPc = p;
    out.pc[i] = p;
    const slot = (p >>> 2) & RAW_CACHE_MASK;
    let w: number;
    if ((c & CTRL_RAW_NEW) !== 0) {
      w = raws.u32();
      cache[slot] = w;
    } else w = cache[slot]!;
    out.raw[i] = w;
    if ((c & CTRL_STORE) !== 0) {
      const code = (c >>> CTRL_SIZE_SHIFT) & 3;
      const pa = predictStoreAddr(w, regs);
      out.storeAddr[i] = (c & CTRL_STORE_ADDR_MISS) !== 0 ? (pa + sas.zigzag()) | 0 : pa;
      const pv = regs[(w >>> 20) & 31]! & sizeMask(code);
      out.storeValue[i] = (c & CTRL_STORE_VALUE_MISS) !== 0 ? (pv + svs.zigzag()) | 0 : pv;
      out.flags[i] = INSN_HAS_STORE | ((1 << code) << 1);
    }
    const rd = (w >>> 7) & 31;
    if (rd !== 0) {
      if ((c & CTRL_RD_CHANGED) !== 0) regs[rd] = (regs[rd]! + rds.zigzag()) | 0;
      out.rdValue[i] = regs[rd]!;
    }
  }
  if (!pcs.done || !raws.done || !rds.done || !sas.done || !svs.done) throw new RangeError('instruction chunk: columns hold more data than the rows use');
  return out;
}
