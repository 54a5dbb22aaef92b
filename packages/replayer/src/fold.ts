import { CSR, MSTATUS_MPP, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SUM, PRIV_M } from '@hvrr/cpu';
import { INSN_HAS_STORE } from '@hvrr/events';
import { BufferConsole, Machine } from '@hvrr/machine';
import { ACCESS_STORE, PhysicalBus, walkSv32, type Ram, type WalkContext } from '@hvrr/mmu';
import { buildMachine, machineState, RamHasher, runConfigOf, stateHash, type EndEvent, type HashedState, type InsnRows, type TraceEvent } from '@hvrr/recorder';
import type { TraceReader } from './trace-reader.js';

export interface FoldResult {
  /** The rebuilt final registers, CSRs, counters and timers. */
  state: HashedState;
  /** The rebuilt final RAM. */
  ram: Ram;
  hash: string;
  /** The final hash the trace recorded (null when the trace has no end). */
  recordedHash: string | null;
  rows: number;
  events: number;
  /** Stores whose address could not be translated with the rebuilt state (none in a sound trace). */
  problems: string[];
}

/** Folding needs the full level; the message says why not otherwise. */
export class FoldError extends Error {}

/**
 * Rebuilds the final state of a `full` trace from its log alone, executing nothing:
 * the initial state comes from the header (images, device tree, reset registers, as
 * the machine lays them out before its first instruction), then every instruction
 * row writes its rd value and its store, every hostwrite its bytes, and every state
 * event its CSRs, registers, privilege, counters and timers, in instruction-count
 * order. Store addresses are virtual: they are translated with the rebuilt satp,
 * privilege and mstatus through the rebuilt page tables (an Sv32 walk over memory,
 * not execution).
 */
export function foldTrace(reader: TraceReader): FoldResult {
  if (reader.level !== 'full') throw new FoldError(`folding needs a trace recorded at the full level; this one is '${reader.level}'`);
  // A hypervisor's own writes to host memory (G-stage tables, lazily mapped frames) are
  // not yet logged as events, and guest stores need the two-stage walk: refuse rather
  // than report a false difference.
  if (reader.header.config.hv) throw new FoldError('folding does not support hypervisor (--hv) traces yet; replay it instead (hvrr replay verifies every instruction at the full level)');
  const initial = buildMachine(runConfigOf(reader.header), new BufferConsole()).machine;
  const s0 = machineState(initial);
  const state: HashedState = {
    x: Int32Array.from(s0.x),
    pc: s0.pc,
    priv: s0.priv,
    csr: Int32Array.from(s0.csr),
    counters: s0.counters.slice(),
    clock: s0.clock.slice(),
    timers: s0.timers.slice(),
    res: s0.res.slice(),
  };
  state.x[0] = 0;
  const ram = initial.bus.ram;
  const bus = new PhysicalBus(ram);
  const folder = new Folder(state, ram, bus);

  const rowsIter = reader.insnChunks();
  let rows: InsnRows | null = null;
  let pos = 0;
  const nextRows = (): InsnRows | null => {
    for (;;) {
      const r = rowsIter.next();
      if (r.done) return null;
      if (r.value.count > 0) return r.value;
    }
  };
  rows = nextRows();
  /** Applies rows with icount below `limit`. */
  const applyRowsBefore = (limit: number) => {
    while (rows !== null) {
      const stop = Math.min(rows.count, limit - rows.firstIcount);
      if (pos < stop) {
        folder.rows(rows, pos, stop);
        pos = stop;
      }
      if (pos < rows.count) return;
      rows = nextRows();
      pos = 0;
    }
  };

  let events = 0;
  let end: EndEvent | null = null;
  for (const e of reader.events()) {
    applyRowsBefore(e.icount);
    folder.event(e);
    events++;
    if (e.type === 'end') end = e;
  }
  applyRowsBefore(Infinity);
  if (end !== null) {
    state.pc = end.pc;
    state.priv = end.priv;
  }
  ram.dirty.fill(1);
  const hasher = new RamHasher(ram.size >>> 12);
  hasher.update(ram);
  return {
    state,
    ram,
    hash: stateHash(state, hasher.digest),
    recordedHash: end?.hash ?? null,
    rows: folder.rowCount,
    events,
    problems: folder.problems,
  };
}

class Folder {
  rowCount = 0;
  readonly problems: string[] = [];
  private readonly ctx: WalkContext = { priv: 0, sum: false, mxr: false };

  constructor(
    private readonly s: HashedState,
    private readonly ram: Ram,
    private readonly bus: PhysicalBus,
  ) {}

  rows(r: InsnRows, from: number, to: number): void {
    const x = this.s.x;
    for (let i = from; i < to; i++) {
      const w = r.raw[i]!;
      const f = r.flags[i]!;
      if ((f & INSN_HAS_STORE) !== 0) this.store(r.storeAddr[i]!, f >>> 1, r.storeValue[i]!, r.firstIcount + i);
      const rd = (w >>> 7) & 31;
      if (rd !== 0) x[rd] = r.rdValue[i]!;
    }
    this.rowCount += to - from;
  }

  event(e: TraceEvent): void {
    const s = this.s;
    if (e.type === 'hostwrite') {
      const off = this.ram.offsetOf(e.addr);
      if (off >= 0) this.ram.u8.set(e.bytes.subarray(0, this.ram.size - off), off);
    } else if (e.type === 'state') {
      if (e.csr) for (let i = 0; i + 1 < e.csr.length; i += 2) s.csr[e.csr[i]!] = e.csr[i + 1]!;
      if (e.x) for (let i = 0; i < 31; i++) s.x[i + 1] = e.x[i]!;
      if (e.priv !== undefined) s.priv = e.priv;
      if (e.counters) s.counters = e.counters.slice();
      if (e.clock) s.clock = e.clock.slice();
      if (e.timers) s.timers = e.timers.slice();
      if (e.res) s.res = e.res.slice();
    }
  }

  private store(va: number, size: number, value: number, icount: number): void {
    const aligned = (va & (size - 1)) === 0;
    if (aligned) {
      const pa = this.translate(va, icount);
      if (pa >= 0) this.write(pa, size, value);
      return;
    }
    // Misaligned: byte by byte, each byte translated on its own (as the hart does).
    for (let k = 0; k < size; k++) {
      const pa = this.translate((va + k) | 0, icount);
      if (pa >= 0) this.write(pa, 1, value >>> (8 * k));
    }
  }

  private write(pa: number, size: number, value: number): void {
    const off = this.ram.offsetOf(pa);
    if (off < 0 || off + size > this.ram.size) return; // a device register: not memory
    const u8 = this.ram.u8;
    for (let k = 0; k < size; k++) u8[off + k] = (value >>> (8 * k)) & 0xff;
  }

  private translate(va: number, icount: number): number {
    const s = this.s;
    const mstatus = s.csr[CSR.mstatus]!;
    let priv = s.priv;
    if (priv === PRIV_M && (mstatus & MSTATUS_MPRV) !== 0) priv = (mstatus & MSTATUS_MPP) >>> 11;
    const satp = s.csr[CSR.satp]!;
    if (priv === PRIV_M || satp >= 0) return va >>> 0;
    const ctx = this.ctx;
    ctx.priv = priv;
    ctx.sum = (mstatus & MSTATUS_SUM) !== 0;
    ctx.mxr = (mstatus & MSTATUS_MXR) !== 0;
    const pa = walkSv32(this.bus, satp, va >>> 0, ACCESS_STORE, ctx);
    if (pa < 0 && this.problems.length < 10) this.problems.push(`store at instruction ${icount}: virtual address 0x${(va >>> 0).toString(16)} does not translate with the rebuilt page tables`);
    return pa;
  }
}
