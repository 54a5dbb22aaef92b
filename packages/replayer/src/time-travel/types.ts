/** The time-travel API the debugger front ends use (/work/notes/contract-tt.md; docs/time-travel.md). */

export interface Watchpoint {
  addr: number;
  len: number;
  kind: 'read' | 'write' | 'access';
  /** How `addr` is meant: a guest-virtual address (default) or a physical one. */
  space?: 'physical' | 'virtual';
  /**
   * Hypervisor traces: the watchpoint belongs to VM `vm`. It matches only that VM's
   * accesses; `virtual` is its guest-virtual space, `physical` its guest-physical one.
   * Without it, addresses are the machine's (the running context's virtual, machine-physical).
   */
  vm?: number;
}

/** trap: any trap; syscall: ecall from U; ptw: guest page-table write; irq: interrupt taken; exit: VM exit; hpf: host page fault. */
export type EventKind = 'trap' | 'syscall' | 'ptw' | 'irq' | 'exit' | 'hpf';
export const EVENT_KINDS: readonly EventKind[] = ['trap', 'syscall', 'ptw', 'irq', 'exit', 'hpf'];

export interface StopConditions {
  breakpoints?: Iterable<number>;
  watchpoints?: Watchpoint[];
  events?: EventKind[];
  /**
   * Hypervisor traces: search in VM `vm` only. Breakpoints and watchpoints match only
   * that VM's instructions (while it is on the hart), events only those tagged with it.
   */
  vm?: number;
  /** Breakpoints that match only while their VM is on the hart (in any search). */
  vmBreakpoints?: Iterable<{ vm: number; pc: number }>;
}

export interface StopInfo {
  reason: 'step' | 'breakpoint' | 'watchpoint' | 'event' | 'start' | 'end' | 'limit' | 'interrupted';
  /** Retired instructions at the stop (the user-facing position). */
  icount: number;
  pc: number;
  /** The address that triggered a watchpoint. */
  watch?: { addr: number; kind: 'read' | 'write' | 'access' };
  /** The event that stopped an event search. */
  event?: unknown;
  /** Per-VM moves (seekVm, stepVm, searches in a VM): the VM, and its own retired count at the stop. */
  vm?: number;
  vmIcount?: number;
}

export interface SearchOptions {
  /** Give up after this many instructions (retired) searched: reason 'limit'. */
  limit?: number;
  /** Checked between search windows: reason 'interrupted'. */
  signal?: AbortSignal;
}

export interface TimeMachineOptions {
  /** Attempts between the snapshots the time machine keeps for good (default 4M, or the trace's own). */
  snapshotEvery?: number;
  /** Bytes of snapshots kept in memory (default 512 MiB); the nearest stay, far temporary ones go first. */
  memoryBudget?: number;
  /** Attempts between the temporary snapshots laid down near where a seek goes (default 1M). */
  denseEvery?: number;
}
