import type { Machine, RunOutcome } from '@hvrr/machine';
import type { Hart } from '@hvrr/cpu';
import type { HvrrEvent } from '@hvrr/events';
import { buildMachine, machineContributors, runConfigOf, type EndEvent, type InputEvent, type TraceEvent } from '@hvrr/recorder';
import { TraceReader } from '../trace-reader.js';
import { SearchSink, type Hit } from './search-sink.js';
import { SnapshotTimeline, type Snapshot } from './snapshot-timeline.js';
import { ramReader, sv32Mappings, translateSv32x4, type Mapping } from './sv32-view.js';
import { contextOf, translateIn, type TranslationContext } from './translation-context.js';
import { TimeTravelConsole } from './tt-console.js';
import type { SearchOptions, StopConditions, StopInfo, TimeMachineOptions, Watchpoint } from './types.js';

const CSR_SATP = 0x180;
const CSR_VSATP = 0x280;
const CSR_HGATP = 0x680;
const DEFAULT_EVERY = 4_000_000;
const DEFAULT_DENSE = 1_000_000;
const DEFAULT_BUDGET = 512 * 1024 * 1024;
/** Longest stretch `events()` re-executes. */
const MAX_EVENT_WINDOW = 50_000_000;

/** A state of the run: its count, its attempts, and whether it is the first state of that count. */
export interface Position {
  icount: number;
  attempts: number;
  canonical: boolean;
}

/** Marks a run the time machine stopped itself (never a guest outcome). */
const STOPPED: RunOutcome = { kind: 'interrupted' };

/**
 * Time travel over a trace (docs/time-travel.md): the machine is rebuilt from the
 * trace's header and re-executed with its recorded inputs; snapshots (RAM
 * copy-on-write per page) let it reach any instruction count by restoring the nearest
 * earlier one and running forward. Reverse execution re-runs the stretches between
 * snapshots forwards and keeps the last hit.
 *
 * Positions are retired-instruction counts: seek(n) goes to the first state at which
 * n instructions have retired (before any trap the next instruction takes). An event
 * stop (a trap, say) may leave the machine at a later state of the same count; it is
 * kept by its attempt count internally.
 */
export class TimeMachine {
  readonly machine: Machine;
  readonly hart: Hart;
  readonly reader: TraceReader;
  readonly endIcount: number;
  readonly endAttempts: number;
  /** The recorded end (null for a cut-off trace). */
  readonly end: EndEvent | null;
  readonly snapshotEvery: number;
  readonly denseEvery: number;
  readonly memoryBudget: number;
  readonly console: TimeTravelConsole;
  private readonly timeline: SnapshotTimeline;
  /** Whether the machine is at the first state of its instruction count (seek's positions). */
  private canonical = true;
  private stopRequested = false;
  private readonly ownsReader: boolean;
  /** The search sink attached, and the translation context its buffered rows ran in. */
  private activeSink: SearchSink | null = null;
  private rowContext: TranslationContext;

  static open(path: string, opts: TimeMachineOptions = {}): TimeMachine {
    return new TimeMachine(TraceReader.open(path), opts, true);
  }

  static fromReader(reader: TraceReader, opts: TimeMachineOptions = {}): TimeMachine {
    return new TimeMachine(reader, opts, false);
  }

  private constructor(reader: TraceReader, opts: TimeMachineOptions, ownsReader: boolean) {
    this.reader = reader;
    this.ownsReader = ownsReader;
    const arrivals: InputEvent[] = [];
    let lastIcount = 0;
    let end: EndEvent | null = null;
    for (const e of reader.events()) {
      if (e.type === 'input') arrivals.push(e);
      else if (e.type === 'end') end = e as EndEvent;
      if (e.icount > lastIcount) lastIcount = e.icount;
    }
    this.end = end ?? ((reader.footer?.end as EndEvent | null | undefined) ?? null);
    this.endIcount = this.end?.icount ?? lastIcount;
    this.endAttempts = this.end?.attempts ?? Infinity;
    this.console = new TimeTravelConsole(arrivals);
    const config = runConfigOf(reader.header);
    this.machine = buildMachine(config, this.console).machine;
    this.hart = this.machine.hart;
    this.denseEvery = opts.denseEvery ?? DEFAULT_DENSE;
    this.memoryBudget = opts.memoryBudget ?? DEFAULT_BUDGET;
    this.timeline = new SnapshotTimeline(this.machine, machineContributors(this.machine), this.console, this.memoryBudget);
    const traced = this.timeline.loadTrace(reader);
    this.rowContext = contextOf(this.hart);
    this.watchContextChanges();
    this.snapshotEvery = opts.snapshotEvery ?? (traced.count > 0 ? Math.max(this.denseEvery, Math.round(traced.lastAttempts / traced.count)) : DEFAULT_EVERY);
  }

  close(): void {
    if (this.ownsReader) this.reader.close();
  }

  // ------------------------------------------------------------- position

  get icount(): number {
    return this.hart.icount;
  }

  get attempts(): number {
    return this.hart.attempts;
  }

  /** Snapshots held, and the bytes they take (page contents and page maps). */
  get snapshotStats(): { count: number; trace: number; bytes: number } {
    return this.timeline.stats();
  }

  /** Where snapshots are held (kind: start, trace, keep or dense), in order. */
  snapshotPositions(): { kind: string; icount: number; attempts: number }[] {
    return this.timeline.positions();
  }

  seek(icount: number): StopInfo {
    const target = Math.max(0, Math.min(Math.floor(icount), this.endIcount));
    this.seekIcount(target);
    return this.stop(target === 0 && icount <= 0 ? 'start' : target === this.endIcount ? 'end' : 'step');
  }

  step(n = 1): StopInfo {
    if (this.atEnd() || this.hart.icount >= this.endIcount) return this.stop('end');
    const target = Math.min(this.hart.icount + Math.max(0, Math.floor(n)), this.endIcount);
    this.seekIcount(target);
    return this.stop(target === this.endIcount ? 'end' : 'step');
  }

  stepBack(n = 1): StopInfo {
    const target = this.hart.icount - Math.max(0, Math.floor(n));
    this.seekIcount(Math.max(0, target));
    return this.stop(target <= 0 ? 'start' : 'step');
  }

  continue(c: StopConditions, o: SearchOptions = {}): StopInfo {
    if (this.atEnd()) return this.stop('end');
    const startIcount = this.hart.icount;
    const limitAt = o.limit !== undefined ? startIcount + o.limit : Infinity;
    let found: Hit | null = null;
    const sink = this.sink(c, (h) => {
      if (found !== null) return;
      if (h.reason === 'event' || (h.after ? h.icount + 1 : h.icount) > startIcount) {
        found = h;
        this.requestStop();
      }
    });
    sink.skipBreakpointAt = startIcount;
    let reason: StopInfo['reason'] | null = null;
    this.attach(sink);
    try {
      while (found === null) {
        if (o.signal?.aborted) {
          reason = 'interrupted';
          break;
        }
        if (this.atEnd()) {
          reason = 'end';
          break;
        }
        if (this.hart.icount >= limitAt) {
          reason = 'limit';
          break;
        }
        // A snapshot at each window's start: a hit found in the rows is reached from there.
        this.timeline.take('dense');
        const window = Math.min(this.denseEvery, this.endAttempts - this.hart.attempts, limitAt === Infinity ? Infinity : Math.max(1, limitAt - this.hart.icount));
        this.runAttempts(window);
      }
    } finally {
      this.detach();
    }
    const hit = found as Hit | null;
    if (hit === null) return this.stop(reason ?? 'end');
    if (hit.reason === 'event') {
      this.canonical = false;
      return this.stop('event', hit);
    }
    this.goToHit(hit, true);
    return this.stop(hit.reason, hit);
  }

  reverseContinue(c: StopConditions, o: SearchOptions = {}): StopInfo {
    const r = this.reverseSearch(c, o);
    if (r.hit === null) {
      if (r.reason === 'start') this.seekIcount(0);
      return this.stop(r.reason);
    }
    this.goToHit(r.hit, false);
    return this.stop(r.hit.reason, r.hit);
  }

  /**
   * Async forms: search in pieces of 20 dense windows and yield to the event loop
   * between them, so an AbortSignal (Ctrl-C, gdb's interrupt) can fire.
   */
  continueAsync(c: StopConditions, o: SearchOptions = {}): Promise<StopInfo> {
    return this.inPieces((limit) => this.continue(c, { signal: o.signal, limit }), o);
  }

  reverseContinueAsync(c: StopConditions, o: SearchOptions = {}): Promise<StopInfo> {
    return this.inPieces((limit) => this.reverseContinue(c, { signal: o.signal, limit }), o);
  }

  private async inPieces(search: (limit: number) => StopInfo, o: SearchOptions): Promise<StopInfo> {
    const piece = 20 * this.denseEvery;
    let left = o.limit ?? Infinity;
    for (;;) {
      const before = this.hart.icount;
      const s = search(Math.min(piece, left));
      if (s.reason !== 'limit' || left <= piece) return s;
      left -= Math.abs(this.hart.icount - before);
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (o.signal?.aborted) return this.stop('interrupted');
    }
  }

  /** The last write to [addr, addr + len) before the current position, by which instruction; the position does not change. */
  lastWrite(addr: number, len = 1, space: Watchpoint['space'] = 'virtual'): { icount: number; pc: number } | null {
    const back = this.mark();
    const r = this.reverseSearch({ watchpoints: [{ addr, len, kind: 'write', space }] }, {});
    this.returnTo(back);
    return r.hit === null ? null : { icount: r.hit.icount, pc: r.hit.pc >>> 0 };
  }

  /**
   * Every hit of `c` from instruction count `from` to `to` (queries: all writes to a
   * range, all system calls). Leaves the machine at `to`.
   */
  scan(c: StopConditions, from: number, to: number, onHit: (h: Hit, tm: TimeMachine) => void, onRow?: (icount: number, pc: number, x: Int32Array) => void): void {
    this.seekIcount(Math.max(0, from));
    const target = Math.min(to, this.endIcount);
    const sink = this.sink(c, (h) => onHit(h, this), onRow !== undefined);
    if (onRow !== undefined) sink.onRow = onRow;
    this.attach(sink);
    try {
      this.advance(Infinity, target, false);
    } finally {
      this.detach();
    }
    this.canonical = true;
  }

  /** Events the machine emits from instruction count `from` to `to` (re-executed; the position does not change). */
  events(fromIcount: number, toIcount: number): unknown[] {
    const from = Math.max(0, Math.floor(fromIcount));
    const to = Math.min(Math.floor(toIcount), this.endIcount, from + MAX_EVENT_WINDOW);
    if (to < from) return [];
    const back = this.mark();
    const out: HvrrEvent[] = [];
    this.seekIcount(from);
    const sink = this.sink({}, () => {});
    sink.collect = out;
    this.attach(sink);
    try {
      this.advance(Infinity, to + 1, false);
    } finally {
      this.detach();
    }
    this.returnTo(back);
    const inputs: unknown[] = [];
    for (const e of this.reader.events()) if (e.type === 'input' && e.icount >= from && e.icount <= to) inputs.push(e);
    return [...inputs, ...out.filter((e) => e.icount <= to)].sort((a, b) => (a as TraceEvent).icount - (b as TraceEvent).icount);
  }

  // ------------------------------------------------------------- state

  readMemory(addr: number, len: number, space: 'physical' | 'virtual' = 'virtual'): Uint8Array | null {
    const ram = this.machine.bus.ram;
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = (addr + done) >>> 0;
      const pa = space === 'physical' ? addr + done : this.translate(a);
      if (pa === null) return null;
      const chunk = Math.min(len - done, 4096 - (a & 0xfff));
      const off = ram.offsetOf(pa);
      if (off < 0 || off + chunk > ram.size) return null;
      out.set(ram.u8.subarray(off, off + chunk), done);
      done += chunk;
    }
    return out;
  }

  /**
   * A virtual address through the current context: identity in M-mode (without MPRV)
   * or with satp Bare; in a VM (V=1), through vsatp and then hgatp.
   */
  translate(va: number): number | null {
    return translateIn(this.machine.bus.ram, contextOf(this.hart), va);
  }

  /** The mappings of the running guest's tables (a VM's vsatp, pa guest-physical; else satp). */
  pageTable(): Mapping[] {
    const hart = this.hart;
    const ram = this.machine.bus.ram;
    if (contextOf(hart).virt) {
      const direct = ramReader(ram);
      const hgatp = hart.csr[CSR_HGATP]!;
      return sv32Mappings((gpa) => {
        const pa = translateSv32x4(ram, hgatp, gpa);
        return pa === null ? null : direct(pa);
      }, hart.csr[CSR_VSATP]!);
    }
    return sv32Mappings(ramReader(ram), hart.csr[CSR_SATP]!);
  }

  // ------------------------------------------------------------- internals

  private atEnd(): boolean {
    return this.machine.outcome !== null || this.hart.attempts >= this.endAttempts || (this.endAttempts === Infinity && this.hart.icount >= this.endIcount);
  }

  private stop(reason: StopInfo['reason'], hit?: Hit): StopInfo {
    const info: StopInfo = { reason, icount: this.hart.icount, pc: this.hart.pc >>> 0 };
    if (hit?.watch) info.watch = hit.watch;
    if (hit?.event) info.event = hit.event;
    return info;
  }

  private sink(c: StopConditions, hit: (h: Hit) => void, wantRows = false): SearchSink {
    return new SearchSink(
      c,
      {
        translate: (va) => translateIn(this.machine.bus.ram, this.rowContext, va),
        hit,
        flushRows: () => {
          this.hart.flushInsnLog();
          this.rowContext = contextOf(this.hart);
        },
      },
      this.hart.x,
      wantRows,
    );
  }

  /**
   * Rows are handed over in batches, after the instructions ran; a watchpoint in
   * physical space must translate each access in the context it ran in. The hart calls
   * contextChanged after every change of privilege, V, satp or mstatus: rows buffered
   * then ran in the context before it, so they are read first.
   */
  private watchContextChanges(): void {
    const hart = this.hart;
    const original = hart.contextChanged;
    const tm = this;
    hart.contextChanged = function (this: Hart) {
      if (tm.activeSink !== null && tm.activeSink.wantsInstructions) hart.flushInsnLog();
      original.call(this);
      tm.rowContext = contextOf(hart);
    };
  }

  private attach(sink: SearchSink): void {
    this.rowContext = contextOf(this.hart);
    this.activeSink = sink;
    this.machine.attachSink(sink);
  }

  private detach(): void {
    this.machine.attachSink(null);
    this.activeSink = null;
  }

  /** Ends the current run after this instruction (from inside a sink). */
  private requestStop(): void {
    if (this.machine.outcome === null) {
      this.machine.outcome = STOPPED;
      this.stopRequested = true;
    }
    this.hart.requestStop();
  }

  /** Runs up to n attempts; false when the run stopped early (a requested stop or the guest ended). */
  private runAttempts(n: number): boolean {
    if (n <= 0 || this.machine.outcome !== null) return false;
    this.machine.run(n);
    if (this.stopRequested) {
      this.stopRequested = false;
      this.machine.outcome = null;
      // An event the host emits between hart runs (a VM exit) leaves the hart's stop
      // request unconsumed: drop it, or the next run would stop at once.
      (this.hart as unknown as { stopReason: number }).stopReason = -1;
      return false;
    }
    return this.machine.outcome === null;
  }

  /**
   * Runs forward until `attempts` or `icount` is reached (or the trace ends), laying
   * snapshots at the multiples of snapshotEvery, and with `dense` also of denseEvery.
   */
  private advance(attempts: number, icount: number, dense: boolean): void {
    const hart = this.hart;
    for (;;) {
      if (hart.icount >= icount || hart.attempts >= attempts || this.atEnd()) return;
      let budget = Math.min(attempts - hart.attempts, icount - hart.icount, this.endAttempts - hart.attempts);
      const every = dense ? this.denseEvery : this.snapshotEvery;
      const next = (Math.floor(hart.attempts / every) + 1) * every;
      budget = Math.min(budget, next - hart.attempts);
      const ran = this.runAttempts(budget);
      if (hart.attempts % this.snapshotEvery === 0) this.timeline.take('keep');
      else if (dense && hart.attempts % this.denseEvery === 0) this.timeline.take('dense');
      if (!ran) return;
    }
  }

  /** Goes to the first state at which `target` instructions have retired. */
  private seekIcount(target: number): void {
    const hart = this.hart;
    if (hart.icount === target && this.canonical) return;
    const from = this.timeline.nearest((s) => s.icount < target || s.kind === 'start');
    const liveUsable = hart.icount < target && hart.attempts >= from.attempts;
    if (!liveUsable) this.restore(from);
    this.advance(Infinity, target, true);
    this.canonical = true;
  }

  /** Goes to the state after exactly `attempts` attempts. */
  private seekAttempts(attempts: number): void {
    const hart = this.hart;
    if (hart.attempts === attempts) return;
    const from = this.timeline.nearest((s) => s.attempts <= attempts);
    if (!(hart.attempts < attempts && hart.attempts >= from.attempts)) this.restore(from);
    this.advance(attempts, Infinity, true);
    this.canonical = false;
  }

  /** Forwards, a watchpoint stops just after the access; backwards, just before the accessing instruction. */
  private goToHit(hit: Hit, forward: boolean): void {
    if (hit.reason === 'event' && hit.attempts !== undefined) {
      this.seekAttempts(hit.attempts);
      if (hit.irqEntry) {
        // The stop fell where the interrupt is taken: take it as the next run() would.
        this.hart.host.sync(this.hart);
        const irq = this.hart.pendingInterrupt();
        if (irq >= 0) this.hart.takeTrap(irq, true, 0);
      }
      this.canonical = false;
    } else if (forward && hit.after) this.seekIcount(hit.icount + 1);
    else if (hit.event !== undefined) this.seekIcount(hit.icount); // a host write: no instruction of its own
    else this.beforeRow(hit.icount, hit.pc);
  }

  /**
   * Goes to the state just before the instruction at `pc` retires as instruction
   * `icount` + 1: the first state of the count, then past any traps taken at that
   * count first (an ecall the firmware serves, a fault whose handler's first
   * instruction is the one hit), so the pc is the hit's.
   */
  private beforeRow(icount: number, pc: number): void {
    this.seekIcount(icount);
    const hart = this.hart;
    for (let guard = 0; (hart.pc | 0) !== (pc | 0) && guard < 64 && !this.atEnd(); guard++) {
      // An interrupt due here is taken before any instruction, as the next run would.
      hart.host.sync(hart);
      const irq = hart.pendingInterrupt();
      if (irq >= 0) hart.takeTrap(irq, true, 0);
      else this.runAttempts(1);
      this.canonical = false;
      if (hart.icount !== icount) {
        // Not a trap at this count after all: stay at its first state.
        this.seekIcount(icount);
        return;
      }
    }
  }

  private reverseSearch(c: StopConditions, o: SearchOptions): { hit: Hit | null; reason: StopInfo['reason'] } {
    const here = this.mark();
    const startIcount = here.icount;
    let windowEnd = here.attempts;
    const limitAt = o.limit !== undefined ? startIcount - o.limit : -Infinity;
    for (;;) {
      if (windowEnd <= 0) return { hit: null, reason: 'start' };
      if (o.signal?.aborted) {
        this.returnTo(here);
        return { hit: null, reason: 'interrupted' };
      }
      const from = this.timeline.nearest((s) => s.attempts < windowEnd);
      this.restore(from);
      let last: Hit | null = null;
      let pendingEvent: Hit | null = null;
      const sink = this.sink(c, (h) => {
        if (h.reason === 'event') {
          pendingEvent = h;
          this.requestStop();
        } else if (h.icount < startIcount) last = h;
      });
      this.attach(sink);
      try {
        while (this.hart.attempts < windowEnd && !this.atEnd()) {
          this.runAttempts(windowEnd - this.hart.attempts);
          const ev = pendingEvent as Hit | null;
          if (ev !== null) {
            // The event that brought the machine to where the search began is not "before" it.
            ev.attempts = this.hart.attempts;
            if (ev.attempts < here.attempts) last = ev;
            pendingEvent = null;
          }
        }
      } finally {
        this.detach();
      }
      this.canonical = false;
      if (last !== null) return { hit: last, reason: (last as Hit).reason };
      if (from.kind === 'start') {
        return { hit: null, reason: 'start' };
      }
      if (from.icount <= limitAt) {
        this.seekIcount(Math.max(0, limitAt));
        return { hit: null, reason: 'limit' };
      }
      windowEnd = from.attempts;
    }
  }

  /** The exact current state's place (an event stop may be past the first state of its count). */
  position(): Position {
    return { icount: this.hart.icount, attempts: this.hart.attempts, canonical: this.canonical };
  }

  /** Back to a place position() gave. */
  goTo(p: Position): void {
    if (p.canonical) this.seekIcount(p.icount);
    else this.seekAttempts(p.attempts);
  }

  private mark(): Position {
    return this.position();
  }

  private returnTo(p: Position): void {
    this.goTo(p);
  }

  private restore(s: Snapshot): void {
    this.timeline.restore(s);
    this.canonical = false;
  }
}
