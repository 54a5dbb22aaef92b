/** The time-travel API the debugger front ends use (/work/notes/contract-tt.md; docs/time-travel.md). */

export interface Watchpoint {
  addr: number;
  len: number;
  kind: 'read' | 'write' | 'access';
  /** How `addr` is meant: a guest-virtual address (default) or a physical one. */
  space?: 'physical' | 'virtual';
}

/** trap: any trap; syscall: ecall from U; ptw: guest page-table write; irq: interrupt taken; exit: VM exit; hpf: host page fault. */
export type EventKind = 'trap' | 'syscall' | 'ptw' | 'irq' | 'exit' | 'hpf';
export const EVENT_KINDS: readonly EventKind[] = ['trap', 'syscall', 'ptw', 'irq', 'exit', 'hpf'];

export interface StopConditions {
  breakpoints?: Iterable<number>;
  watchpoints?: Watchpoint[];
  events?: EventKind[];
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
