/**
 * What the front ends need from a time-travel engine: the subset of the replayer's
 * TimeMachine (/work/notes/contract-tt.md) that the gdb server and the REPL call.
 * Typed structurally so that tests can drive the front ends with a small fake engine,
 * and so that the front ends never change the engine's state except by moving in time.
 */
import type { Counter64 } from '@hvrr/cpu';

export interface Watchpoint {
  addr: number;
  len: number;
  kind: 'read' | 'write' | 'access';
  space?: 'physical' | 'virtual';
}

export type EventKind = 'trap' | 'syscall' | 'ptw' | 'irq' | 'exit' | 'hpf';

export interface StopConditions {
  breakpoints?: Iterable<number>;
  watchpoints?: Watchpoint[];
  events?: EventKind[];
}

export type StopReason = 'step' | 'breakpoint' | 'watchpoint' | 'event' | 'start' | 'end' | 'limit' | 'interrupted';

export interface StopInfo {
  reason: StopReason;
  icount: number;
  pc: number;
  watch?: { addr: number; kind: 'read' | 'write' | 'access' };
  event?: unknown;
}

export interface RunOptions {
  limit?: number;
  signal?: AbortSignal;
}

/** The hart state the front ends read: registers, pc, privilege, CSR storage and counters. */
export interface HartView {
  readonly x: Int32Array;
  readonly pc: number;
  readonly priv: number;
  readonly csr: Int32Array;
  readonly icount: number;
  readonly mcycle: Pick<Counter64, 'low' | 'high'>;
  readonly minstret: Pick<Counter64, 'low' | 'high'>;
  /** Present once the H extension lands: the hart runs a guest (V=1). */
  readonly virt?: number | boolean;
  readTime(): number;
}

export interface PageMapping {
  va: number;
  pa: number;
  flags: string;
}

export interface DebugEngine {
  readonly hart: HartView;
  readonly icount: number;
  readonly endIcount: number;
  seek(icount: number): StopInfo;
  step(n?: number): StopInfo;
  stepBack(n?: number): StopInfo;
  continue(c: StopConditions, o?: RunOptions): StopInfo;
  reverseContinue(c: StopConditions, o?: RunOptions): StopInfo;
  lastWrite(addr: number, len?: number): { icount: number; pc: number } | null;
  readMemory(addr: number, len: number, space?: 'physical' | 'virtual'): Uint8Array | null;
  translate(va: number): number | null;
  events(fromIcount: number, toIcount: number): unknown[];
  pageTable(): PageMapping[];
}
