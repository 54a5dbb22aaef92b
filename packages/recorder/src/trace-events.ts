import type { HvrrEvent } from '@hvrr/events';
import type { RunOutcome } from '@hvrr/machine';

/**
 * Events only a trace has, besides the machine's own (HvrrEvent). Field names are the
 * ones docs/trace-format.md documents; `hvrr events --json` prints them as they are.
 */

/** Console bytes that became available to the guest at one of its polls (an input of the run). */
export interface InputEvent {
  type: 'input';
  icount: number;
  /** Which console poll (hasInput/read, counted from 1) first saw them: replay releases them there. */
  poll: number;
  source: 'console';
  bytes: Uint8Array;
}

/**
 * The backing-store results one host page fault waited for (host paging): an input of
 * the run, kept at every level. Replay serves them back in order (failures repeated,
 * recorded latencies as the stalls) instead of using its own store and latency model.
 */
export interface PagingInputEvent {
  type: 'paging';
  icount: number;
  vm: number;
  /** Guest page number of the faulting page. */
  gpn: number;
  /** Each operation: read/write/allocate, whether it succeeded (error code if not) and its cost in ns. */
  ops: { op: 'allocate' | 'read' | 'write'; ok: boolean; error?: string; costNs: number }[];
}

/**
 * `full` level: guest-visible state that changed without a retired instruction or a
 * hostwrite explaining it (CSR writes, traps, privilege changes, firmware calls,
 * timers). Only the fields that changed since the previous state event are present.
 */
export interface StateEvent {
  type: 'state';
  icount: number;
  /** Changed CSRs as [address, value, address, value, ...] (values as int32). */
  csr?: number[];
  /** x1..x31 after a firmware call changed them (31 values). */
  x?: number[];
  priv?: number;
  /** mcycle base, mcycle frozen, minstret base, minstret frozen (decimal strings; frozen -1 = counting). */
  counters?: string[];
  /** Guest clock: instructions skipped by WFI, mtime offset. */
  clock?: number[];
  /** CLINT mtimecmp, built-in firmware's S timer (-1: none). */
  timers?: number[];
  /** LR/SC reservation: [valid 0/1, address]. */
  res?: number[];
}

/** The last event of a complete trace: how the run ended, where, and its final state hash. */
export interface EndEvent {
  type: 'end';
  icount: number;
  /** Instruction attempts (trapping ones included): where replay must stop. */
  attempts: number;
  outcome: RunOutcome;
  pc: number;
  priv: number;
  hash: string;
}

export type TraceEvent = HvrrEvent | InputEvent | PagingInputEvent | StateEvent | EndEvent;
export type TraceEventType = TraceEvent['type'];

/** Every event type a trace can hold, in the order `hvrr info` lists them ('insn' rows are columnar). */
export const TRACE_EVENT_TYPES = ['insn', 'trap', 'irq', 'exit', 'ptw', 'xret', 'hpf', 'time', 'mmio', 'sbi', 'hostwrite', 'input', 'paging', 'state', 'hash', 'end'] as const;
