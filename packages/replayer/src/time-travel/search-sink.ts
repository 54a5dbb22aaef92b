import { INSN_HAS_STORE, type EventSink, type HvrrEvent, type InsnColumns } from '@hvrr/events';
import type { EventKind, StopConditions, Watchpoint } from './types.js';

/** Cause of an environment call from U-mode: the guest's system call. */
const ECALL_FROM_U = 8;

/** What a search found. Row hits are positioned by instruction count; event hits by the exact state after the event. */
export interface Hit {
  reason: 'breakpoint' | 'watchpoint' | 'event';
  /** Row hits: the count of the instruction that hit (its state before it retires is "at" icount). */
  icount: number;
  pc: number;
  /** Row hits: where the search stops, icount (before the instruction) or icount + 1 (after it). */
  after?: boolean;
  watch?: { addr: number; kind: 'read' | 'write' | 'access' };
  /** Watchpoint hits: the access (its start, size, and for stores the value written). */
  access?: { addr: number; size: number; value?: number };
  event?: HvrrEvent;
  /** Event hits: attempts after the event (filled in by the time machine) and whether it was an interrupt entry. */
  attempts?: number;
  irqEntry?: boolean;
}

/** A watchpoint whose address is resolved for this search. */
interface ResolvedWatch {
  w: Watchpoint;
  lo: number;
  hi: number;
  physical: boolean;
  /** The VM it belongs to (-1: the machine's addresses). */
  vm: number;
  reads: boolean;
  writes: boolean;
}

export interface SearchHooks {
  /** Translates a guest-virtual address in the current context (null: unmapped). */
  translate(va: number): number | null;
  /** A hit; return true to stop the run at once (the time machine ends the current run). */
  hit(h: Hit): void;
  /** Flushes the hart's buffered instruction rows into this sink. */
  flushRows(): void;
  /** Hypervisor traces: a guest-virtual address of the running VM to its guest-physical one (VS stage only). */
  guestPhysical?(va: number): number | null;
  /** Hypervisor traces: VM `vm`'s address (guest-virtual or guest-physical) to machine-physical, now. */
  vmToMachine?(vm: number, addr: number, space: 'physical' | 'virtual'): number | null;
}

/**
 * The event sink a search attaches: it reads retired-instruction rows (pc, word, rd
 * value, store) for breakpoints and watchpoints and the machine's events for event
 * conditions. Loads are not logged, so their addresses come from a shadow register
 * file kept from the rows (x[rd] after each instruction) and from SBI results (the
 * built-in firmware writes a0/a1 with no instruction of its own).
 */
export class SearchSink implements EventSink {
  readonly wantsInstructions: boolean;
  readonly wantsEvents = true;
  readonly x = new Int32Array(32);
  private readonly breakpoints: Set<number>;
  /** pc → the VMs whose breakpoint it is (matched only while that VM is on the hart). */
  private readonly vmBreakpoints = new Map<number, Set<number>>();
  /** The VM the search is confined to (-1: the whole machine). */
  private readonly scope: number;
  private readonly watches: ResolvedWatch[];
  private readonly kinds: Set<EventKind>;
  private readonly needsShadow: boolean;
  private flushing = false;
  /** Rows with a count below this are not hits (the instruction at the start of a forward search). */
  skipBreakpointAt = -1;
  /** Hypervisor traces: the VM on the hart where the search began; only its row at skipBreakpointAt is skipped (a VM entering there runs a different instruction). */
  skipBreakpointVm = -1;
  /**
   * A search in a VM that is switched out: its next instruction (the first row it
   * retires, whenever it enters again) is where the search starts, so not a hit.
   */
  skipFirstRowOfVm = -1;
  /** Every event emitted, when set (events near here). */
  collect: HvrrEvent[] | null = null;
  /**
   * Hypervisor traces: the VM that ran the rows handed over next (-1: none or not a
   * hypervisor trace). The time machine sets it before every flush: rows are flushed at
   * each VM switch, so one batch never mixes VMs.
   */
  rowVm = -1;
  /** Called for every row (queries: syscall results); rows are the hart's, read before it returns. */
  onRow: ((icount: number, pc: number, x: Int32Array) => void) | null = null;

  constructor(
    c: StopConditions,
    private readonly hooks: SearchHooks,
    x: Int32Array,
    wantRows = false,
  ) {
    this.breakpoints = new Set([...(c.breakpoints ?? [])].map((a) => a | 0));
    for (const b of c.vmBreakpoints ?? []) {
      const pc = b.pc | 0;
      let vms = this.vmBreakpoints.get(pc);
      if (vms === undefined) this.vmBreakpoints.set(pc, (vms = new Set()));
      vms.add(b.vm);
    }
    this.scope = c.vm ?? -1;
    this.kinds = new Set(c.events ?? []);
    this.watches = (c.watchpoints ?? []).map((w) => {
      const physical = w.space === 'physical';
      const lo = w.addr >>> 0;
      return { w, lo, hi: lo + Math.max(1, w.len), physical, vm: w.vm ?? -1, reads: w.kind !== 'write', writes: w.kind !== 'read' };
    });
    this.needsShadow = this.watches.some((w) => w.reads) || wantRows;
    this.wantsInstructions = this.breakpoints.size > 0 || this.vmBreakpoints.size > 0 || this.watches.length > 0 || wantRows;
    this.x.set(x);
  }

  emit(e: HvrrEvent): void {
    if (this.wantsInstructions && !this.flushing) {
      // Rows before the event first: hits stay in order, and the shadow registers are current.
      this.flushing = true;
      try {
        this.hooks.flushRows();
      } finally {
        this.flushing = false;
      }
    }
    this.collect?.push(e);
    if (e.type === 'sbi') {
      this.x[10] = e.error;
      if (e.eid > 8) this.x[11] = e.value;
    }
    if (e.type === 'hostwrite') this.hostWrite(e);
    if (this.kinds.size > 0 && this.matches(e)) this.hooks.hit({ reason: 'event', icount: e.icount, pc: 0, event: e, irqEntry: e.type === 'irq' });
  }

  private matches(e: HvrrEvent): boolean {
    const k = this.kinds;
    if (this.scope >= 0 && e.vm !== this.scope) return false;
    switch (e.type) {
      case 'trap':
        return k.has('trap') || (k.has('syscall') && !e.interrupt && e.cause === ECALL_FROM_U && e.from === 0);
      case 'irq':
        return k.has('irq') && e.action === 'taken';
      case 'exit':
        return k.has('exit');
      case 'ptw':
        return k.has('ptw');
      default:
        return k.has((e as { type: string }).type as EventKind);
    }
  }

  instructions(b: InsnColumns): void {
    const n = b.count;
    const x = this.x;
    const bps = this.breakpoints;
    const rowVm = this.rowVm;
    const inScope = this.scope < 0 || rowVm === this.scope;
    const hasBps = inScope && bps.size > 0;
    const vmBps = inScope && rowVm >= 0 && this.vmBreakpoints.size > 0 ? this.vmBreakpoints : null;
    const watches = inScope ? this.watches : [];
    const shadow = this.needsShadow;
    const onRow = this.onRow;
    for (let i = 0; i < n; i++) {
      const icount = b.firstIcount + i;
      const pc = b.pc[i]!;
      if (onRow !== null) onRow(icount, pc, x);
      if (rowVm >= 0 && rowVm === this.skipFirstRowOfVm) this.skipFirstRowOfVm = -1;
      else if ((hasBps && bps.has(pc)) || (vmBps !== null && vmBps.get(pc)?.has(rowVm) === true)) {
        if (icount > this.skipBreakpointAt || (icount === this.skipBreakpointAt && rowVm !== this.skipBreakpointVm)) this.hooks.hit({ reason: 'breakpoint', icount, pc });
      }
      const inst = b.raw[i]!;
      if (watches.length > 0) {
        const flags = b.flags[i]!;
        if ((flags & INSN_HAS_STORE) !== 0) this.access(icount, pc, b.storeAddr[i]! >>> 0, (flags >>> 1) & 7, 'write', b.storeValue[i]! >>> 0);
        const op = inst & 0x7f;
        if (op === 0x03) {
          const f3 = (inst >>> 12) & 7;
          this.access(icount, pc, (x[(inst >>> 15) & 31]! + (inst >> 20)) >>> 0, f3 === 0 || f3 === 4 ? 1 : f3 === 1 || f3 === 5 ? 2 : 4, 'read');
        } else if (op === 0x2f && inst >>> 27 !== 3) this.access(icount, pc, x[(inst >>> 15) & 31]! >>> 0, 4, 'read');
      }
      if (shadow) {
        const rd = (inst >>> 7) & 31;
        if (rd !== 0) x[rd] = b.rdValue[i]!;
      }
    }
  }

  private access(icount: number, pc: number, va: number, size: number, kind: 'read' | 'write', value?: number): void {
    let pa = -1;
    let gpa = -1;
    for (const r of this.watches) {
      if (kind === 'read' ? !r.reads : !r.writes) continue;
      if (r.vm >= 0 && r.vm !== this.rowVm) continue;
      let a = va;
      if (r.physical && r.vm >= 0) {
        if (gpa === -1) gpa = this.hooks.guestPhysical?.(va) ?? -2;
        if (gpa < 0) continue;
        a = gpa;
      } else if (r.physical) {
        if (pa === -1) pa = this.hooks.translate(va) ?? -2;
        if (pa < 0) continue;
        a = pa;
      }
      if (a < r.hi && a + size > r.lo) {
        this.hooks.hit({ reason: 'watchpoint', icount, pc, after: true, watch: { addr: Math.max(a, r.lo), kind: r.w.kind === 'access' ? 'access' : kind }, access: { addr: a, size, value } });
        return;
      }
    }
  }

  /** A write by the host (HTIF, SBI) into physical memory. */
  private hostWrite(e: HvrrEvent & { type: 'hostwrite' }): void {
    const { icount, addr: pa } = e;
    const size = e.bytes.length;
    if (this.scope >= 0 && e.vm !== this.scope) return;
    for (const r of this.watches) {
      if (!r.writes) continue;
      if (r.vm >= 0 && r.vm !== e.vm) continue;
      const lo = r.vm >= 0 ? (this.hooks.vmToMachine?.(r.vm, r.lo, r.physical ? 'physical' : 'virtual') ?? null) : r.physical ? r.lo : this.hooks.translate(r.lo);
      if (lo === null) continue;
      const hi = lo + (r.hi - r.lo);
      if (pa < hi && pa + size > lo) {
        this.hooks.hit({ reason: 'watchpoint', icount, pc: 0, after: true, watch: { addr: r.vm >= 0 ? r.lo + Math.max(0, pa - lo) : Math.max(pa, lo), kind: r.w.kind === 'access' ? 'access' : 'write' }, access: { addr: pa, size }, event: e });
        return;
      }
    }
  }
}
