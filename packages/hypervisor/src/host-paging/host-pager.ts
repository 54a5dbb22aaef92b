import type { BackingStore } from './backing-store.js';
import { createPolicy } from './create-policy.js';
import type { FrameMemory } from './frame-memory.js';
import type { LatencyModel } from './latency-model.js';
import { PAGE_SIZE } from './page-size.js';
import type { PolicySpec, ReplacementPolicy } from './replacement-policy.js';

/** Guest page numbers are 22 bits: Sv32x4 guest-physical addresses have 34. */
const GPN_LIMIT = 1 << 22;
const NO_FRAME = -1;
const NO_SLOT = -1;

/** What the pager needs from the hypervisor, besides copying frames (FrameMemory). */
export interface PagerHost {
  /**
   * Remove the G-stage (or shadow) mapping of `gpn` → `frame` for `vm`, flushing what caches
   * it, and say whether the mapping's D bit was set: a write through a writable mapping the
   * pager was not told about. A hypervisor that maps pages read-only until a write fault
   * (`fault(..., true)`) may always answer false.
   */
  unmap(vm: number, gpn: number, frame: number): { dirty: boolean };
  /** Clock only, optional: test and clear the accessed bit of the page's mapping. */
  testAndClearAccessed?(vm: number, gpn: number, frame: number): boolean;
}

export interface HostPagerOptions {
  /** Machine frames in the pool (`--host-mem` / 4 KiB). */
  frames: number;
  policy: PolicySpec | ReplacementPolicy;
  backing: BackingStore;
  latency: LatencyModel;
  memory: FrameMemory;
  host: PagerHost;
  /** How many victims one fault tries before giving up when write-backs fail (default 8). */
  maxVictimAttempts?: number;
}

/** One backing-store operation a fault waited for; `costNs` is the latency model's figure. */
export interface BackingOp {
  op: 'read' | 'write' | 'allocate';
  vm: number;
  gpn: number;
  slot: number;
  ok: boolean;
  error?: string;
  measuredNs: number;
  costNs: number;
}

/** The page that gave up its frame. Clean pages are dropped (wrote false), dirty ones written. */
export interface Eviction {
  vm: number;
  gpn: number;
  frame: number;
  dirty: boolean;
  wrote: boolean;
  /** Where its content now lives; -1 for a never-written page, which comes back as zeros. */
  slot: number;
}

export interface FaultServed {
  ok: true;
  vm: number;
  gpn: number;
  frame: number;
  /** major: the page was read back from the backing store; minor: no read was needed. */
  kind: 'minor' | 'major';
  /** Host time the fault stalled for: every backing operation's cost (write-backs included). */
  latencyNs: number;
  evicted?: Eviction;
  /** Write-backs that failed on the way; each of those pages stayed resident. */
  writeFailures: BackingOp[];
  ops: BackingOp[];
}

export interface FaultFailed {
  ok: false;
  vm: number;
  gpn: number;
  /** true: the page's only copy could not be read (stop this VM); false: no frame could be freed now. */
  fatal: boolean;
  message: string;
  latencyNs: number;
  writeFailures: BackingOp[];
  ops: BackingOp[];
}

export type FaultResult = FaultServed | FaultFailed;

export interface PagingStats {
  minorFaults: number;
  majorFaults: number;
  pageIns: number;
  pageOuts: number;
  cleanDrops: number;
  writeFailures: number;
  readFailures: number;
  /** Sum of fault latencies, in ns. */
  stallNs: number;
  residentPages: number;
}

/** Where one guest page is: in a frame (resident), in a backing slot, or both (clean). */
export interface PageState {
  frame: number;
  slot: number;
  dirty: boolean;
  pins: number;
}

interface PageEntry extends PageState {
  vm: number;
  gpn: number;
  /** The hypervisor may hold a mapping of it: set when a fault hands out the frame, cleared by unmap. */
  mapped: boolean;
}

/**
 * The pager as a snapshot keeps it (time travel): the page map in columns (in the map's
 * order, which `release` follows), the free list, counters, and the policy's and the
 * backing store's own states.
 */
export interface HostPagerState {
  vm: Int32Array;
  gpn: Int32Array;
  frame: Int32Array;
  slot: Int32Array;
  pins: Int32Array;
  /** Bit 0: dirty, bit 1: mapped. */
  flags: Uint8Array;
  freeFrames: Int32Array;
  stats: [number, PagingStats][];
  policy: unknown;
  backing: unknown;
}

const ZERO_PAGE = new Uint8Array(PAGE_SIZE);

/**
 * Host paging for one hypervisor: guest pages of every VM share a pool of machine frames;
 * when it is full the policy picks a victim, which is dropped if clean and written to the
 * backing store if dirty. No page is ever lost: a page leaves its frame only once a current
 * copy exists elsewhere (a backing slot, or "zeros" for a page never written), and a failed
 * write-back leaves it resident.
 *
 * Deterministic: decisions depend only on the calls made and on which backing operations
 * failed; measured durations only flow out as latencies.
 */
export class HostPager {
  readonly frames: number;
  readonly policy: ReplacementPolicy;
  private readonly pages = new Map<number, PageEntry>();
  private readonly owners: (PageEntry | undefined)[];
  private readonly freeFrames: number[] = [];
  private readonly perVm = new Map<number, PagingStats>();
  private readonly buffer = new Uint8Array(PAGE_SIZE);
  private readonly maxVictimAttempts: number;

  constructor(private readonly options: HostPagerOptions) {
    const { frames } = options;
    if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`the host frame pool needs at least one frame, got ${frames}`);
    this.frames = frames;
    this.owners = new Array<PageEntry | undefined>(frames).fill(undefined);
    for (let frame = frames - 1; frame >= 0; frame--) this.freeFrames.push(frame);
    this.policy =
      'onMap' in options.policy
        ? options.policy
        : createPolicy(options.policy, frames, (frame) => this.probeAccessed(frame));
    this.maxVictimAttempts = options.maxVictimAttempts ?? 8;
  }

  /**
   * `vm` touched guest page `gpn` (a load/fetch, or a store when `write`) and has no
   * usable mapping: make the page resident and say in which frame. The caller then maps
   * it (read-only if it tracks dirtiness by write faults) and charges `latencyNs` to the
   * VM's time policy. A fault on a page already resident (a write to a page mapped
   * read-only, or a mapping the hypervisor dropped) is minor and only records the use.
   */
  fault(vm: number, gpn: number, write: boolean): FaultResult {
    const key = pageKey(vm, gpn);
    const stats = this.statsOf(vm);
    let page = this.pages.get(key);
    if (page !== undefined && page.frame !== NO_FRAME) {
      if (write) page.dirty = true;
      page.mapped = true;
      this.policy.onAccess(page.frame);
      stats.minorFaults++;
      return { ok: true, vm, gpn, frame: page.frame, kind: 'minor', latencyNs: 0, writeFailures: [], ops: [] };
    }
    const ops: BackingOp[] = [];
    const writeFailures: BackingOp[] = [];
    const failed = (fatal: boolean, message: string): FaultFailed => {
      const latencyNs = totalCost(ops);
      stats.stallNs += latencyNs;
      return { ok: false, vm, gpn, fatal, message, latencyNs, writeFailures, ops };
    };
    let frame = this.freeFrames.pop();
    let evicted: Eviction | undefined;
    if (frame === undefined) {
      evicted = this.evict(ops, writeFailures);
      if (evicted === undefined) {
        const why = writeFailures.length > 0 ? `${writeFailures.length} write-back(s) failed (${writeFailures.map((op) => op.error).join(', ')})` : 'every resident page is pinned';
        return failed(false, `no machine frame could be freed for vm${vm} page 0x${gpn.toString(16)}: ${why}`);
      }
      frame = evicted.frame;
    }
    if (page === undefined) {
      page = { vm, gpn, frame: NO_FRAME, slot: NO_SLOT, dirty: false, pins: 0, mapped: false };
      this.pages.set(key, page);
    }
    const kind = page.slot === NO_SLOT ? 'minor' : 'major';
    if (!this.fill(page, frame, ops)) {
      this.freeFrames.push(frame);
      stats.readFailures++;
      return failed(true, `vm${vm} page 0x${gpn.toString(16)} could not be read back from ${this.options.backing.name} slot ${page.slot}: ${ops.at(-1)!.error}`);
    }
    if (kind === 'major') {
      stats.majorFaults++;
      stats.pageIns++;
    } else stats.minorFaults++;
    page.frame = frame;
    page.dirty = write;
    page.mapped = true;
    this.owners[frame] = page;
    this.policy.onMap(frame);
    stats.residentPages++;
    const latencyNs = totalCost(ops);
    stats.stallNs += latencyNs;
    return evicted === undefined
      ? { ok: true, vm, gpn, frame, kind, latencyNs, writeFailures, ops }
      : { ok: true, vm, gpn, frame, kind, latencyNs, evicted, writeFailures, ops };
  }

  /** The hypervisor saw the page used (e.g. harvested an A bit): feeds LRU and Clock. */
  touch(vm: number, gpn: number): void {
    const page = this.pages.get(pageKey(vm, gpn));
    if (page !== undefined && page.frame !== NO_FRAME) this.policy.onAccess(page.frame);
  }

  /** The host wrote into a resident page (SBI results, emulated stores, device data). */
  markDirty(vm: number, gpn: number): void {
    this.residentPage(vm, gpn, 'markDirty').dirty = true;
  }

  /** Keeps a resident page in its frame (e.g. while the host copies into it) until unpinned. */
  pin(vm: number, gpn: number): void {
    this.residentPage(vm, gpn, 'pin').pins++;
  }

  unpin(vm: number, gpn: number): void {
    const page = this.residentPage(vm, gpn, 'unpin');
    if (page.pins === 0) throw new RangeError(`vm${vm} page 0x${gpn.toString(16)} is not pinned`);
    page.pins--;
  }

  /**
   * Whether the page is resident and the hypervisor may hold a mapping of it (a fault
   * handed its frame out and no eviction attempt unmapped it since). A resident page that
   * is not mapped (its write-back failed) must be faulted again before it is mapped, so
   * that its next eviction unmaps it.
   */
  isMapped(vm: number, gpn: number): boolean {
    const page = this.pages.get(pageKey(vm, gpn));
    return page !== undefined && page.frame !== NO_FRAME && page.mapped;
  }

  /** The frame holding the page, or -1 if it is not resident. */
  frameOf(vm: number, gpn: number): number {
    return this.pages.get(pageKey(vm, gpn))?.frame ?? NO_FRAME;
  }

  pageState(vm: number, gpn: number): PageState | undefined {
    const page = this.pages.get(pageKey(vm, gpn));
    return page === undefined ? undefined : { frame: page.frame, slot: page.slot, dirty: page.dirty, pins: page.pins };
  }

  /** Which (vm, gpn) a frame holds, if any. */
  ownerOf(frame: number): { vm: number; gpn: number } | undefined {
    const page = this.owners[frame];
    return page === undefined ? undefined : { vm: page.vm, gpn: page.gpn };
  }

  get freeFrameCount(): number {
    return this.freeFrames.length;
  }

  /**
   * A VM stopped: forget its pages, free their frames and slots. The hypervisor tears
   * down its mappings itself, so `unmap` is not called.
   */
  release(vm: number): number {
    let released = 0;
    for (const [key, page] of this.pages) {
      if (page.vm !== vm) continue;
      if (page.frame !== NO_FRAME) {
        this.policy.onUnmap(page.frame);
        this.owners[page.frame] = undefined;
        this.freeFrames.push(page.frame);
      }
      if (page.slot !== NO_SLOT) this.options.backing.free(page.slot);
      this.pages.delete(key);
      released++;
    }
    const stats = this.perVm.get(vm);
    if (stats !== undefined) stats.residentPages = 0;
    return released;
  }

  /** Counters of one VM (faults it took; page-outs and drops of its pages). */
  stats(vm: number): PagingStats {
    return { ...this.statsOf(vm) };
  }

  totals(): PagingStats {
    const total = emptyStats();
    for (const stats of this.perVm.values()) {
      for (const key of Object.keys(total) as (keyof PagingStats)[]) total[key] += stats[key];
    }
    return total;
  }

  close(): void {
    this.options.backing.close();
  }

  /**
   * Everything that decides what the pager does next, for snapshots; the frames' contents
   * are host RAM, which the snapshot keeps itself. Needs a policy and a backing store that
   * can save their states (every built-in policy; the copy-on-write memory store).
   */
  saveState(): HostPagerState {
    const { policy } = this;
    const backing = this.options.backing;
    if (policy.saveState === undefined) throw new Error(`host paging: the ${policy.name} policy cannot be snapshotted`);
    if (backing.saveState === undefined) throw new Error(`host paging: the ${backing.name} backing store cannot be snapshotted`);
    const n = this.pages.size;
    const s: HostPagerState = {
      vm: new Int32Array(n),
      gpn: new Int32Array(n),
      frame: new Int32Array(n),
      slot: new Int32Array(n),
      pins: new Int32Array(n),
      flags: new Uint8Array(n),
      freeFrames: Int32Array.from(this.freeFrames),
      stats: [...this.perVm].map(([vm, stats]) => [vm, { ...stats }]),
      policy: policy.saveState(),
      backing: backing.saveState(),
    };
    let i = 0;
    for (const page of this.pages.values()) {
      s.vm[i] = page.vm;
      s.gpn[i] = page.gpn;
      s.frame[i] = page.frame;
      s.slot[i] = page.slot;
      s.pins[i] = page.pins;
      s.flags[i] = (page.dirty ? 1 : 0) | (page.mapped ? 2 : 0);
      i++;
    }
    return s;
  }

  /** Back to a state `saveState` gave (copied: the state can be restored again later). */
  restoreState(s: HostPagerState): void {
    const { policy } = this;
    const backing = this.options.backing;
    if (policy.restoreState === undefined || backing.restoreState === undefined) throw new Error('host paging: this pager\'s policy or backing store cannot be restored from a snapshot');
    this.pages.clear();
    this.owners.fill(undefined);
    for (let i = 0; i < s.vm.length; i++) {
      const page: PageEntry = { vm: s.vm[i]!, gpn: s.gpn[i]!, frame: s.frame[i]!, slot: s.slot[i]!, pins: s.pins[i]!, dirty: (s.flags[i]! & 1) !== 0, mapped: (s.flags[i]! & 2) !== 0 };
      this.pages.set(pageKey(page.vm, page.gpn), page);
      if (page.frame !== NO_FRAME) this.owners[page.frame] = page;
    }
    this.freeFrames.length = 0;
    for (const frame of s.freeFrames) this.freeFrames.push(frame);
    this.perVm.clear();
    for (const [vm, stats] of s.stats) this.perVm.set(vm, { ...stats });
    policy.restoreState(s.policy);
    backing.restoreState(s.backing);
  }

  /**
   * Puts the page's content into the frame: read from its slot (a page-in), or zeros for a
   * page never written or dropped while still all zeros. False if the read failed.
   */
  private fill(page: PageEntry, frame: number, ops: BackingOp[]): boolean {
    if (page.slot === NO_SLOT) {
      this.options.memory.writeFrame(frame, ZERO_PAGE);
      return true;
    }
    const read = this.options.backing.read(page.slot, this.buffer);
    if (!this.recordOp(ops, 'read', page, read.ok, read.error, read.measuredNs).ok) return false;
    this.options.memory.writeFrame(frame, this.buffer);
    return true;
  }

  /** Frees one frame: tries victims until one is dropped or written back, or gives up. */
  private evict(ops: BackingOp[], writeFailures: BackingOp[]): Eviction | undefined {
    const tried = new Set<number>();
    const eligible = (frame: number): boolean => !tried.has(frame) && (this.owners[frame]?.pins ?? 1) === 0;
    for (let attempt = 0; attempt < this.maxVictimAttempts; attempt++) {
      const frame = this.policy.victim(eligible);
      if (frame < 0) return undefined;
      tried.add(frame);
      const page = this.owners[frame]!;
      const owner = this.statsOf(page.vm);
      // Unmap first: from here on the guest cannot write the page behind our back. A page
      // whose earlier write-back failed is still unmapped unless a fault handed it out since.
      if (page.mapped) {
        page.mapped = false;
        if (this.options.host.unmap(page.vm, page.gpn, frame).dirty) page.dirty = true;
      }
      if (!page.dirty) {
        owner.cleanDrops++;
        this.vacate(page, frame);
        return { vm: page.vm, gpn: page.gpn, frame, dirty: false, wrote: false, slot: page.slot };
      }
      if (this.writeBack(page, frame, ops, writeFailures)) {
        owner.pageOuts++;
        page.dirty = false;
        this.vacate(page, frame);
        return { vm: page.vm, gpn: page.gpn, frame, dirty: true, wrote: true, slot: page.slot };
      }
      owner.writeFailures++;
      // Still resident and dirty; it goes to the back of the policy's order so the
      // next choice moves on. Its mapping is gone, so the next use re-faults (minor).
      this.policy.onUnmap(frame);
      this.policy.onMap(frame);
    }
    return undefined;
  }

  private writeBack(page: PageEntry, frame: number, ops: BackingOp[], writeFailures: BackingOp[]): boolean {
    const backing = this.options.backing;
    if (page.slot === NO_SLOT) {
      const slot = backing.allocate();
      if (!slot.ok) {
        writeFailures.push(this.recordOp(ops, 'allocate', page, false, slot.error, 0));
        return false;
      }
      page.slot = slot.slot;
    }
    this.options.memory.readFrame(frame, this.buffer);
    const result = backing.write(page.slot, this.buffer);
    const op = this.recordOp(ops, 'write', page, result.ok, result.error, result.measuredNs);
    if (!op.ok) writeFailures.push(op);
    return op.ok;
  }

  private vacate(page: PageEntry, frame: number): void {
    page.frame = NO_FRAME;
    this.owners[frame] = undefined;
    this.policy.onUnmap(frame);
    this.statsOf(page.vm).residentPages--;
  }

  private recordOp(ops: BackingOp[], op: BackingOp['op'], page: PageEntry, ok: boolean, error: string | undefined, measuredNs: number): BackingOp {
    // An allocation is bookkeeping, not a transfer: it costs nothing in the model.
    const costNs = op === 'allocate' ? 0 : this.options.latency.costNs(op, measuredNs);
    const record: BackingOp = { op, vm: page.vm, gpn: page.gpn, slot: page.slot, ok, measuredNs, costNs };
    if (error !== undefined) record.error = error;
    ops.push(record);
    return record;
  }

  private probeAccessed(frame: number): boolean {
    const page = this.owners[frame];
    const probe = this.options.host.testAndClearAccessed;
    return page !== undefined && probe !== undefined && probe.call(this.options.host, page.vm, page.gpn, frame);
  }

  private residentPage(vm: number, gpn: number, what: string): PageEntry {
    const page = this.pages.get(pageKey(vm, gpn));
    if (page === undefined || page.frame === NO_FRAME) throw new RangeError(`${what}: vm${vm} page 0x${gpn.toString(16)} is not resident (fault it in first)`);
    return page;
  }

  private statsOf(vm: number): PagingStats {
    let stats = this.perVm.get(vm);
    if (stats === undefined) {
      stats = emptyStats();
      this.perVm.set(vm, stats);
    }
    return stats;
  }
}

function pageKey(vm: number, gpn: number): number {
  if (!Number.isInteger(vm) || vm < 0 || vm > 0x7fffffff) throw new RangeError(`vm id ${vm} out of range`);
  if (!Number.isInteger(gpn) || gpn < 0 || gpn >= GPN_LIMIT) throw new RangeError(`guest page number ${gpn} outside the 34-bit guest-physical space`);
  return vm * GPN_LIMIT + gpn;
}

function totalCost(ops: BackingOp[]): number {
  let ns = 0;
  for (const op of ops) ns += op.costNs;
  return ns;
}

function emptyStats(): PagingStats {
  return { minorFaults: 0, majorFaults: 0, pageIns: 0, pageOuts: 0, cleanDrops: 0, writeFailures: 0, readFailures: 0, stallNs: 0, residentPages: 0 };
}
