import type { Machine, RunOutcome } from '@hvrr/machine';
import type { Hart } from '@hvrr/cpu';
import type { HvrrEvent } from '@hvrr/events';
import { buildMachine, machineContributors, runConfigOf, type EndEvent, type InputEvent, type TraceEvent } from '@hvrr/recorder';
import { pagingInputs } from '../input-feed.js';
import { TraceReader } from '../trace-reader.js';
import { SearchSink, type Hit } from './search-sink.js';
import { SnapshotTimeline, type Snapshot } from './snapshot-timeline.js';
import { ramReader, sv32Mappings, translateSv32x4, type Mapping } from './sv32-view.js';
import { contextOf, translateIn, type TranslationContext } from './translation-context.js';
import { TimeTravelConsole } from './tt-console.js';
import { hypervisorOf, pagerStateMissing, retiredInSnapshot, rootsOf, vmGuestPhysical, vmMachineAddress, vmMappings, vmStateOf, type HypervisorLike, type VmState } from './vm-view.js';
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
  /** The host's slice-start work (a VM switch) has been done at this state, before its next instruction. */
  synced?: boolean;
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
  /** The hypervisor on hypervisor traces (machine.host), else null. */
  readonly hypervisor: HypervisorLike | null;
  private readonly timeline: SnapshotTimeline;
  /** Whether the host's sync ran at this state without an instruction since (see beforeRow). */
  private synced = false;
  /** The VM whose instructions the hart's buffered rows are (-1: none). */
  private rowVm = -1;
  /** A per-VM seek waits for this VM to enter the hart (-1: none). */
  private stopOnEntry = -1;
  /** Each VM's retired count at the trace's end (computed on first use). */
  private readonly vmEnds = new Map<number, number>();
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
    // Host paging's recorded inputs (backing-store failures and costs) are served as replay
    // serves them; the pool's snapshots keep how many were used.
    const built = buildMachine(config, this.console, { replay: pagingInputs(reader.events()) });
    this.machine = built.machine;
    this.hart = this.machine.hart;
    const ram = this.machine.bus.ram;
    this.hypervisor = hypervisorOf(this.machine);
    this.denseEvery = opts.denseEvery ?? DEFAULT_DENSE;
    this.memoryBudget = opts.memoryBudget ?? DEFAULT_BUDGET;
    this.timeline = new SnapshotTimeline(this.machine, machineContributors(this.machine), this.console, this.memoryBudget);
    // A recording's snapshots of a host-paging run do not hold the pager's state: they are
    // left out, and the time machine lays its own as it runs.
    const traced = this.timeline.loadTrace(reader, (state) => !pagerStateMissing(state));
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
    return this.inVm(c.vm, this.continueSearch(c, o));
  }

  reverseContinue(c: StopConditions, o: SearchOptions = {}): StopInfo {
    return this.inVm(c.vm, this.reverseContinueSearch(c, o));
  }

  private continueSearch(c: StopConditions, o: SearchOptions): StopInfo {
    if (this.atEnd()) return this.stop('end');
    const startIcount = this.hart.icount;
    const limitAt = o.limit !== undefined ? startIcount + o.limit : Infinity;
    let found: Hit | null = null;
    const sink = this.sink(c, (h) => {
      if (found !== null) return;
      // Breakpoint rows at the start are the sink's to skip (only the instruction the search starts at).
      if (h.reason === 'event' || h.reason === 'breakpoint' || (h.after ? h.icount + 1 : h.icount) > startIcount) {
        found = h;
        this.requestStop();
      }
    });
    sink.skipBreakpointAt = startIcount;
    sink.skipBreakpointVm = this.runningVm() ?? -1;
    if (c.vm !== undefined && sink.skipBreakpointVm !== c.vm) sink.skipFirstRowOfVm = c.vm;
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

  private reverseContinueSearch(c: StopConditions, o: SearchOptions): StopInfo {
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
  lastWrite(addr: number, len = 1, space: Watchpoint['space'] = 'virtual', vm?: number): { icount: number; pc: number } | null {
    const back = this.mark();
    const r = this.reverseSearch({ watchpoints: [{ addr, len, kind: 'write', space, ...(vm !== undefined ? { vm } : {}) }] }, {});
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
      // To the trace's end: past its last count too, where the run ends (a VM's final exit, the shutdown call).
      this.advance(Infinity, target >= this.endIcount ? Infinity : target, false);
    } finally {
      this.detach();
    }
    this.canonical = target < this.endIcount;
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

  /**
   * Memory at this instant; null where unmapped or not RAM. With `vm` (hypervisor
   * traces), that VM's memory whether it is on the hart or not: `virtual` through its
   * vsatp and its G stage, `physical` guest-physical through its G stage.
   */
  readMemory(addr: number, len: number, space: 'physical' | 'virtual' = 'virtual', vm?: number): Uint8Array | null {
    const ram = this.machine.bus.ram;
    const out = new Uint8Array(len);
    const roots = vm !== undefined ? rootsOf(this.vmState(vm).csr) : null;
    let done = 0;
    while (done < len) {
      const a = (addr + done) >>> 0;
      const pa = roots !== null ? vmMachineAddress(ram, this.hypervisor!, vm!, roots, space === 'physical' ? addr + done : a, space) : space === 'physical' ? addr + done : this.translate(a);
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
  translate(va: number, vm?: number): number | null {
    if (vm !== undefined) return vmMachineAddress(this.machine.bus.ram, this.hypervisor!, vm, rootsOf(this.vmState(vm).csr), va, 'virtual');
    return translateIn(this.machine.bus.ram, contextOf(this.hart), va);
  }

  /** VM `vm`'s guest-virtual address to its guest-physical one (its vsatp at this instant); null: unmapped. */
  guestPhysical(va: number, vm: number): number | null {
    return vmGuestPhysical(this.machine.bus.ram, this.hypervisor!, vm, rootsOf(this.vmState(vm).csr), va);
  }

  /** The mappings of the running guest's tables (a VM's vsatp, pa guest-physical; else satp); with `vm`, that VM's. */
  pageTable(vm?: number): Mapping[] {
    if (vm !== undefined) return vmMappings(this.machine.bus.ram, this.hypervisor!, vm, rootsOf(this.vmState(vm).csr));
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

  // ------------------------------------------------------------- VMs (hypervisor traces)

  /** How many VMs the trace has (0: not a hypervisor trace). */
  get vmCount(): number {
    return this.hypervisor?.vms.length ?? 0;
  }

  /** The VM on the hart at this position, or null (not a hypervisor trace, or every VM has stopped). */
  runningVm(): number | null {
    const vm = this.hypervisor?.current;
    return vm !== null && vm !== undefined && vm.running ? vm.id : null;
  }

  /** VM `vm`'s vCPU at this position: live from the hart when it is on it, else the hypervisor's saved copy. */
  vmState(vm: number): VmState {
    return vmStateOf(this.requireHypervisor(), vm, this.hart);
  }

  /** Instructions VM `vm` has retired at this position (its own count). */
  vmIcount(vm: number): number {
    return this.vmOf(vm).retired(this.hart.icount);
  }

  /** VM `vm`'s count where the trace ends. */
  vmEndIcount(vm: number): number {
    const known = this.vmEnds.get(vm);
    if (known !== undefined) return known;
    const back = this.mark();
    this.seekIcount(this.endIcount);
    const end = this.vmOf(vm).retired(this.hart.icount);
    this.returnTo(back);
    this.vmEnds.set(vm, end);
    return end;
  }

  /**
   * Goes to the first machine position at which VM `vm` has retired `vmIcount`
   * instructions (clamped to its count at the trace's end). For a count above 0 the VM
   * is on the hart there, its instruction number `vmIcount` just retired.
   */
  seekVm(vm: number, vmIcount: number): StopInfo {
    const end = this.vmEndIcount(vm);
    const target = Math.max(0, Math.min(Math.floor(vmIcount), end));
    this.seekVmCount(vm, target);
    return this.inVm(vm, this.stop(target === 0 && vmIcount <= 0 ? 'start' : target === end ? 'end' : 'step'));
  }

  /** Forward by n of VM `vm`'s instructions (other VMs run in between as recorded). */
  stepVm(vm: number, n = 1): StopInfo {
    const end = this.vmEndIcount(vm);
    const here = this.vmIcount(vm);
    if (here >= end) return this.inVm(vm, this.stop('end'));
    return this.seekVm(vm, Math.min(end, here + Math.max(0, Math.floor(n))));
  }

  /** Back by n of VM `vm`'s instructions. */
  stepBackVm(vm: number, n = 1): StopInfo {
    const target = this.vmIcount(vm) - Math.max(0, Math.floor(n));
    const s = this.seekVm(vm, Math.max(0, target));
    return target <= 0 ? { ...s, reason: 'start' } : s;
  }

  private requireHypervisor(): HypervisorLike {
    if (this.hypervisor === null) throw new RangeError('not a hypervisor trace: there are no VMs');
    return this.hypervisor;
  }

  private vmOf(vm: number): HypervisorLike['vms'][number] {
    const hv = this.requireHypervisor();
    const v = hv.vms[vm];
    if (v === undefined) throw new RangeError(`no vm${vm}: this trace has ${hv.vms.length} VM${hv.vms.length === 1 ? '' : 's'}`);
    return v;
  }

  /** A stop of a per-VM move or search: with the VM and its own count. */
  private inVm(vm: number | undefined, s: StopInfo): StopInfo {
    return vm === undefined ? s : { ...s, vm, vmIcount: this.vmIcount(vm) };
  }

  /**
   * The first state at which VM `vm` has retired `target` instructions. A VM's count
   * grows by one per machine instruction while it is on the hart and stands still
   * otherwise, so from any state where it is below the target, the target is at least
   * (target - count) machine instructions away: running exactly that far never passes
   * it. While the VM is off the hart the run stops when it enters (contextChanged).
   */
  private seekVmCount(vmId: number, target: number): void {
    const vm = this.vmOf(vmId);
    const hart = this.hart;
    if (target === 0) {
      this.seekIcount(0);
      return;
    }
    const retired = () => vm.retired(hart.icount);
    // Already there: on the hart with its target-th instruction the last one retired.
    if (this.canonical && vm.running && retired() === target && hart.icount > vm.entryIcount) return;
    const from = this.timeline.nearest((s) => s.kind === 'start' || (retiredInSnapshot(s.state, vmId) ?? Infinity) < target);
    if (!(retired() < target && hart.attempts >= from.attempts)) this.restore(from);
    for (let guard = 0; guard < 1_000_000; guard++) {
      const r = retired();
      if (r >= target || this.atEnd()) break;
      if (this.runningVm() === vmId) {
        this.advance(Infinity, hart.icount + (target - r), true);
        continue;
      }
      this.stopOnEntry = vmId;
      try {
        this.advance(Infinity, Infinity, true);
      } finally {
        this.stopOnEntry = -1;
      }
      if (this.runningVm() !== vmId) break; // never entered again: the trace ended
      const at = vm.entryIcount + (target - vm.retiredBase);
      // The run may have gone on a little after the entry (to `at` or past it, even into an
      // exit at that count): go to `at`'s first state from a snapshot then.
      if (at <= hart.icount) this.seekIcount(at);
    }
    this.canonical = true;
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
        guestPhysical: (va) => {
          const ctx = this.rowContext;
          return this.hypervisor === null || this.rowVm < 0 ? null : vmGuestPhysical(this.machine.bus.ram, this.hypervisor, this.rowVm, { vsatp: ctx.vsatp, hgatp: ctx.hgatp }, va);
        },
        vmToMachine: (vm, addr, space) => (this.hypervisor === null ? null : vmMachineAddress(this.machine.bus.ram, this.hypervisor, vm, rootsOf(this.vmState(vm).csr), addr, space)),
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
      const sink = tm.activeSink;
      if (sink !== null && sink.wantsInstructions) hart.flushInsnLog();
      original.call(this);
      tm.rowContext = contextOf(hart);
      // A VM switch (the hypervisor loads a vCPU, then calls this): the rows read so far
      // were the old VM's; the shadow registers now follow the new VM's.
      const now = tm.runningVm() ?? -1;
      if (now !== tm.rowVm) {
        tm.rowVm = now;
        if (sink !== null) {
          sink.rowVm = now;
          sink.x.set(hart.x);
        }
      }
      if (tm.stopOnEntry >= 0 && now === tm.stopOnEntry) tm.requestStop();
    };
  }

  private attach(sink: SearchSink): void {
    this.rowContext = contextOf(this.hart);
    this.rowVm = this.runningVm() ?? -1;
    sink.rowVm = this.rowVm;
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
    this.synced = false;
    this.canonical = false;
    this.machine.run(n);
    if (this.stopRequested) {
      this.stopRequested = false;
      this.machine.outcome = null;
      // machine.run skips the host's exit handling once an outcome is set: a VM exit the
      // hart stopped for (or a stop the hypervisor asked for) is handled here instead, as
      // the next run would have, so the state never rests inside an unhandled exit.
      if (this.machine.host !== null) {
        this.machine.host.handleExit();
        // Its events may have asked for a stop too: there is nothing left to stop.
        if (this.stopRequested) {
          this.stopRequested = false;
          if (this.machine.outcome === STOPPED) this.machine.outcome = null;
        }
      }
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
    if (hart.attempts === attempts && !this.synced) return;
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
      if ((hart.pc | 0) === (pc | 0)) {
        // The host's sync switched VMs here (hypervisor traces): the hit is the next VM's first instruction.
        this.canonical = false;
        this.synced = true;
        return;
      }
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
    return { icount: this.hart.icount, attempts: this.hart.attempts, canonical: this.canonical, ...(this.synced ? { synced: true } : {}) };
  }

  /** Back to a place position() gave. */
  goTo(p: Position): void {
    if (p.canonical) this.seekIcount(p.icount);
    else this.seekAttempts(p.attempts);
    if (p.synced === true && !this.synced) {
      this.hart.host.sync(this.hart);
      this.synced = true;
    }
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
    this.synced = false;
  }
}
