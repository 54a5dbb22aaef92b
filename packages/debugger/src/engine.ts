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
  /** Hypervisor traces: the VM whose address this is (its guest-virtual / guest-physical space); it matches only that VM's accesses. */
  vm?: number;
}

export type EventKind = 'trap' | 'syscall' | 'ptw' | 'irq' | 'exit' | 'hpf';

export interface StopConditions {
  breakpoints?: Iterable<number>;
  watchpoints?: Watchpoint[];
  events?: EventKind[];
  /** Hypervisor traces: search in this VM only (its instructions, its events). */
  vm?: number;
  /** Breakpoints that match only while their VM is on the hart. */
  vmBreakpoints?: Iterable<{ vm: number; pc: number }>;
}

export type StopReason = 'step' | 'breakpoint' | 'watchpoint' | 'event' | 'start' | 'end' | 'limit' | 'interrupted';

export interface StopInfo {
  reason: StopReason;
  icount: number;
  pc: number;
  watch?: { addr: number; kind: 'read' | 'write' | 'access' };
  event?: unknown;
  /** Per-VM moves and searches: the VM and its own count at the stop. */
  vm?: number;
  vmIcount?: number;
  /** Set by VM views (whose icount is the VM's count): the machine's count at the stop. */
  machineIcount?: number;
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

/** One VM's vCPU at the current position (the TimeMachine's VmState). */
export interface VmStateView {
  vm: number;
  /** On the hart now; else the hypervisor's saved copy. */
  live: boolean;
  stopped: boolean;
  inExit: boolean;
  vmIcount: number;
  /** Guest time in timebase ticks. */
  time: number;
  x: Int32Array;
  pc: number;
  /** 1: the guest kernel (VS); 0: its processes (VU). */
  priv: number;
  mode: string;
  csr: Int32Array;
  minstret: bigint;
  mcycle: bigint;
}

/**
 * What hypervisor traces add (TimeMachine): VMs, their views, and per-VM positions.
 * Optional, so engines without VMs (bare and firmware traces, the fake engine) need none of it.
 */
export interface VmCapableEngine {
  readonly vmCount?: number;
  runningVm?(): number | null;
  vmState?(vm: number): VmStateView;
  vmIcount?(vm: number): number;
  vmEndIcount?(vm: number): number;
  seekVm?(vm: number, vmIcount: number): StopInfo;
  stepVm?(vm: number, n?: number): StopInfo;
  stepBackVm?(vm: number, n?: number): StopInfo;
  /** The exact current state (to come back after a look elsewhere). */
  position?(): unknown;
  goTo?(p: never): void;
}

export interface DebugEngine extends VmCapableEngine {
  readonly hart: HartView;
  readonly icount: number;
  readonly endIcount: number;
  seek(icount: number): StopInfo;
  step(n?: number): StopInfo;
  stepBack(n?: number): StopInfo;
  continue(c: StopConditions, o?: RunOptions): StopInfo;
  reverseContinue(c: StopConditions, o?: RunOptions): StopInfo;
  lastWrite(addr: number, len?: number, space?: 'physical' | 'virtual', vm?: number): { icount: number; pc: number } | null;
  /** With `vm` (hypervisor traces): that VM's memory, through its own tables. */
  readMemory(addr: number, len: number, space?: 'physical' | 'virtual', vm?: number): Uint8Array | null;
  translate(va: number, vm?: number): number | null;
  events(fromIcount: number, toIcount: number): unknown[];
  pageTable(vm?: number): PageMapping[];
  /** VM views: the machine's instruction count (icount is the VM's own). */
  readonly machineIcount?: number;
}
