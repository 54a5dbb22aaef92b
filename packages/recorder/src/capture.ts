import type { EventSink, HvrrEvent, InsnColumns } from '@hvrr/events';
import type { Machine, RunOutcome } from '@hvrr/machine';
import { finiteOrMinusOne, machineState } from './machine-state.js';
import type { InputLog } from './recording-console.js';
import { RamHasher, stateHash } from './state-hash.js';
import type { EndEvent, PagingInputEvent, StateEvent, TraceEvent } from './trace-events.js';
import type { TraceLevel } from './trace-format.js';

/** Receives the canonical stream of a run: the recorder writes it, the replayer compares it. */
export interface TraceConsumer {
  event(e: TraceEvent): void;
  /** Retired instructions (full level); copy what is kept before returning. */
  instructions(batch: InsnColumns): void;
}

/**
 * Turns a running machine into the trace's stream of events, the same way when
 * recording and when replaying, so that replay can compare the two streams one to
 * one. Levels (DESIGN.md, "Events"): `inputs` attaches no sink (only console
 * arrivals, hashes and the end); `events` adds what the machine emits; `full` adds
 * every retired instruction and state events for every guest-visible change that no
 * instruction row or hostwrite explains.
 *
 * At `full` the capture wraps three machine methods on the instances it records
 * (hart.contextChanged, hart.interruptsChanged, bus.write), because the hart has no
 * hook for CSR and privilege changes or for the page walker's A/D updates; see
 * docs/trace-format.md, "Known gaps".
 */
export class Capture implements EventSink, InputLog {
  readonly wantsInstructions: boolean;
  readonly wantsEvents: boolean;
  private machine: Machine | null = null;
  private hasher: RamHasher | null = null;
  private polls = 0;
  private emitting = false;
  // Shadow of the state last reported in state events (full level).
  private csr = new Int32Array(4096);
  private priv = 3;
  private counters: string[] = [];
  private clock: number[] = [];
  private timers: number[] = [];
  private res: number[] = [];
  /** Paging inputs of faults taken while the machine was being built (boot), written once attached. */
  private early: PagingInputEvent[] | null = [];

  constructor(
    readonly level: TraceLevel,
    private readonly out: TraceConsumer,
  ) {
    this.wantsEvents = level !== 'inputs';
    this.wantsInstructions = level === 'full';
  }

  /**
   * Starts capturing a freshly built machine (built with a console that reports to
   * this capture). `loaded` lists the RAM ranges its construction wrote (see
   * loadedRanges): the first hash then reads only those, taking the rest as zero.
   */
  attach(machine: Machine, loaded?: [number, number][]): void {
    this.machine = machine;
    const early = this.early ?? [];
    this.early = null;
    for (const e of early) this.out.event(e);
    const ram = machine.bus.ram;
    this.hasher = new RamHasher(ram.size >>> 12);
    if (loaded !== undefined) {
      this.hasher.assumeZero();
      machine.hart.clearDirtyPages();
      for (const [addr, length] of loaded) {
        const off = ram.offsetOf(addr);
        if (off < 0 || length <= 0) continue;
        const last = Math.min(ram.size - 1, off + length - 1);
        for (let p = off >>> 12; p <= last >>> 12; p++) ram.dirty[p] = 1;
      }
    }
    if (this.level === 'inputs') return;
    if (this.level === 'full') {
      const s = machineState(machine);
      this.csr.set(s.csr);
      this.priv = s.priv;
      this.counters = s.counters;
      this.clock = s.clock;
      this.timers = s.timers;
      this.res = s.res;
      this.wrapForFull(machine);
    }
    machine.attachSink(this);
  }

  private get m(): Machine {
    if (this.machine === null) throw new Error('capture is not attached to a machine');
    return this.machine;
  }

  // ------------------------------------------------------------ EventSink

  emit(event: HvrrEvent): void {
    if (this.level === 'full') {
      this.flushRows();
      this.out.event(event);
      // A firmware call may change any register; the rows cannot show it.
      this.statePoint(event.type === 'sbi');
    } else this.out.event(event);
  }

  instructions(batch: InsnColumns): void {
    this.out.instructions(batch);
  }

  // --------------------------------------------------------------- inputs

  poll(): number {
    return ++this.polls;
  }

  /** Console polls so far (snapshots keep the input position). */
  get pollCount(): number {
    return this.polls;
  }

  input(poll: number, bytes: Uint8Array): void {
    if (this.level === 'full') this.flushRows();
    this.out.event({ type: 'input', icount: this.m.hart.icount, poll, source: 'console', bytes });
  }

  /**
   * The backing-store results of one host page fault (hypervisor runs with host paging):
   * an input, recorded at every level like console input. Faults taken while the
   * machine is built (loading the images) wait until it is attached.
   */
  pagingInput(record: { icount: number; vm: number; gpn: number; ops: PagingInputEvent['ops'] }): void {
    const event: PagingInputEvent = { type: 'paging', icount: record.icount, vm: record.vm, gpn: record.gpn, ops: record.ops };
    if (this.early !== null) {
      this.early.push(event);
      return;
    }
    if (this.level === 'full') this.flushRows();
    this.out.event(event);
  }

  // ------------------------------------------------------- hashes and end

  /** Hash of the current state (rehashes only RAM pages written since the last call). */
  hash(): string {
    const m = this.m;
    this.hasher!.update(m.bus.ram);
    m.hart.clearDirtyPages();
    return stateHash(machineState(m), this.hasher!.digest);
  }

  /** A periodic state hash, between two slices of the run. */
  hashPoint(): void {
    if (this.level === 'full') {
      this.flushRows();
      this.statePoint(false);
    }
    this.out.event({ type: 'hash', icount: this.m.hart.icount, hash: this.hash() });
  }

  /** The run ended (or recording stopped): final state, final hash, end event. */
  end(outcome: RunOutcome): EndEvent {
    const m = this.m;
    if (this.level === 'full') {
      this.flushRows();
      this.statePoint(false);
    }
    const hash = this.hash();
    this.out.event({ type: 'hash', icount: m.hart.icount, hash });
    const end: EndEvent = { type: 'end', icount: m.hart.icount, attempts: m.hart.attempts, outcome, pc: m.hart.pc, priv: m.hart.priv, hash };
    this.out.event(end);
    return end;
  }

  // ------------------------------------------------------------ full level

  /** Hands buffered instruction rows over, so what follows is ordered after them. */
  private flushRows(): void {
    if (this.emitting) return;
    this.emitting = true;
    try {
      this.m.hart.flushInsnLog();
    } finally {
      this.emitting = false;
    }
  }

  /** Emits a state event with whatever changed since the last one (nothing if nothing did). */
  private statePoint(withX: boolean): void {
    const m = this.m;
    const hart = m.hart;
    const ev: StateEvent = { type: 'state', icount: hart.icount };
    let changed = false;
    const live = hart.csr;
    const shadow = this.csr;
    let csr: number[] | null = null;
    for (let i = 0; i < 4096; i++) {
      const v = live[i]!;
      if (v !== shadow[i]) {
        (csr ??= []).push(i, v);
        shadow[i] = v;
      }
    }
    if (csr !== null) {
      ev.csr = csr;
      changed = true;
    }
    if (withX) {
      ev.x = Array.from(hart.x.subarray(1));
      changed = true;
    }
    if (hart.priv !== this.priv) {
      ev.priv = this.priv = hart.priv;
      changed = true;
    }
    const [cb, cf] = hart.mcycle.save();
    const [ib, iff] = hart.minstret.save();
    const counters = [cb.toString(), cf.toString(), ib.toString(), iff.toString()];
    if (!sameList(counters, this.counters)) {
      ev.counters = this.counters = counters;
      changed = true;
    }
    const clock = [m.clock.idleInsns, m.clock.mtimeOffset];
    if (!sameList(clock, this.clock)) {
      ev.clock = this.clock = clock;
      changed = true;
    }
    const timers = [finiteOrMinusOne(m.clint.mtimecmp), finiteOrMinusOne(m.firmware?.stimecmp ?? Infinity)];
    if (!sameList(timers, this.timers)) {
      ev.timers = this.timers = timers;
      changed = true;
    }
    const res = [hart.resValid ? 1 : 0, hart.resAddr];
    if (!sameList(res, this.res)) {
      ev.res = this.res = res;
      changed = true;
    }
    if (changed) this.out.event(ev);
  }

  private wrapForFull(machine: Machine): void {
    const hart = machine.hart;
    const capture = this;
    // CSR writes that matter for translation or interrupts, xRET and traps all pass
    // through these two: a state event there keeps privilege, satp and mstatus exact
    // at every store, which folding needs to translate store addresses.
    const contextChanged = hart.contextChanged;
    hart.contextChanged = function (this: typeof hart) {
      contextChanged.call(this);
      capture.flushRows();
      capture.statePoint(false);
    };
    const interruptsChanged = hart.interruptsChanged;
    hart.interruptsChanged = function (this: typeof hart) {
      interruptsChanged.call(this);
      capture.flushRows();
      capture.statePoint(false);
    };
    // The page walker sets A/D bits through the bus: RAM writes no store explains.
    const bus = machine.bus;
    const ram = bus.ram;
    const write = bus.write;
    bus.write = function (this: typeof bus, pa: number, size: 1 | 2 | 4, value: number) {
      write.call(this, pa, size, value);
      if (ram.contains(pa, size)) {
        capture.flushRows();
        const bytes = new Uint8Array(size);
        for (let k = 0; k < size; k++) bytes[k] = (value >>> (8 * k)) & 0xff;
        capture.out.event({ type: 'hostwrite', icount: hart.icount, addr: pa, bytes, source: 'ptw-ad' });
      }
    };
  }
}

function sameList<T>(a: T[], b: T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
