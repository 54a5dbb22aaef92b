import { MachineError } from '@hvrr/machine';
import type { Ram } from '@hvrr/mmu';
import {
  CopyOnWriteBackingStore,
  HostPager,
  PagingReplay,
  RamFrameMemory,
  formatBacking,
  latencyModelFor,
  openBackingStore,
  type BackingStore,
  type FailureInjector,
  type FaultResult,
  type HostPagerState,
  type HostPagingConfig,
  type PagingInput,
} from './host-paging/index.js';

/** Guest page numbers have 22 bits (34-bit guest-physical addresses). */
const GPN_LIMIT = 2 ** 22;

/** What the pool needs from a VM's memory strategy: dropping its mappings of a page it takes away. */
export interface FrameOwner {
  /** Remove every mapping of guest page gpn, flush cached translations, and report its D bit. */
  evict(gpn: number): { dirty: boolean };
  /** Optional (Clock): test and clear the accessed bit of gpn's mapping. */
  testAndClearAccessed?(gpn: number): boolean;
}

/** A guest page could not be given a frame: the VM has to stop (the message says why). */
export class HostPagingError extends Error {
  constructor(
    message: string,
    readonly vm: number,
    /** true: the page's only copy could not be read back; false: no frame could be freed. */
    readonly fatal: boolean,
  ) {
    super(message);
    this.name = 'HostPagingError';
  }
}

/** One fault the pool took for a guest page: first backing without paging, or the pager's result. */
export interface PoolFault {
  vm: number;
  gpn: number;
  write: boolean;
  kind: 'minor' | 'major';
  /** The pager's result (host paging only). */
  result: FaultResult | null;
}

/** Host paging for the pool: its configuration, and under replay the recorded inputs to serve. */
export interface PoolPaging {
  config: HostPagingConfig;
  /** Replay: the recorded backing-store results and latencies, in order (they win over this host's store and model). */
  replay?: Iterator<PagingInput> | readonly PagingInput[];
  /** Tests and fault drills: make chosen backing-store operations fail (recorded like real failures). */
  inject?: FailureInjector;
}

/**
 * Machine frames (4 KiB pages of host RAM) backing guest-physical pages of every VM.
 * Strategies get the frame of a guest page only here (`frameFor`), so whether host
 * paging is on is invisible to them, except that a frame may be taken away: the pool
 * then calls the owning strategy's `evict`.
 *
 * Without host paging (the default) the pool holds all guest RAM: frames are handed out
 * in address order on first touch and never taken back. With `--host-mem` it is smaller
 * than guest RAM and a HostPager (host-paging/) decides which page leaves, where it goes
 * and what that costs; `onFault` hears of every fault (stats, stalls, events, inputs).
 */
export class HostFramePool {
  private next: number;
  private readonly end: number;
  /** Without paging: (vm, gpn) → machine address. */
  private readonly backed = new Map<number, number>();
  private readonly owners: (FrameOwner | undefined)[] = [];
  private pager: HostPager | null = null;
  /** Under replay: the recorded inputs being served. */
  private replay: PagingReplay | null = null;
  /** Hears of every fault (set by the hypervisor). */
  onFault: ((fault: PoolFault) => void) | null = null;
  /** Frames [firstPa, firstPa + frames * 4096) of host RAM. */
  constructor(
    readonly firstPa: number,
    readonly frames: number,
    readonly paging: PoolPaging | null = null,
  ) {
    this.next = firstPa;
    this.end = firstPa + frames * 4096;
  }

  /**
   * Connects host paging to host RAM (called once the machine exists): frame f is the
   * machine page firstPa + f × 4096; `afterWrite` runs when the pager replaced a frame's
   * content (mark it dirty for hashes and snapshots, drop translated code).
   */
  connect(ram: Ram, afterWrite: (pa: number, length: number) => void): void {
    const paging = this.paging;
    if (paging === null || this.pager !== null) return;
    const config = paging.config;
    const replay = paging.replay === undefined ? null : new PagingReplay(paging.replay);
    this.replay = replay;
    this.pager = new HostPager({
      frames: this.frames,
      policy: config.policy,
      // Replay never touches the recording's store (a file may not even exist here): the
      // pages live in memory and the recorded failures are repeated. The memory is
      // copy-on-write so that time travel can snapshot it cheaply.
      backing: replay === null ? this.openStore() : new CopyOnWriteBackingStore({ inject: replay.inject }),
      latency: replay === null ? latencyModelFor(config) : replay.latency,
      memory: new RamFrameMemory(ram.u8, this.firstPa - ram.base, this.frames, (at, length) => afterWrite(ram.base + at, length)),
      host: {
        unmap: (vm, gpn) => this.ownerOf(vm).evict(gpn),
        testAndClearAccessed: (vm, gpn) => this.ownerOf(vm).testAndClearAccessed?.(gpn) ?? false,
      },
    });
  }

  /** The strategy of VM `vm` (its index), asked to drop its mappings of pages the pager takes away. */
  register(vm: number, owner: FrameOwner): void {
    this.owners[vm] = owner;
  }

  /**
   * The machine address of the frame holding guest page `gpn` of VM `vm`, bringing the
   * page in first if needed (all zeros on first use; from the backing store after an
   * eviction, which may evict another page). `write`: the caller is about to store into
   * it (a store fault, or a host write), so its current copy is the frame's.
   * Throws HostPagingError when no frame can be had.
   */
  frameFor(vm: number, gpn: number, write: boolean): number {
    const pager = this.pager;
    if (pager === null) {
      const key = pageKey(vm, gpn);
      const pa = this.backed.get(key);
      if (pa !== undefined) return pa;
      const fresh = this.alloc();
      if (fresh < 0) throw new HostPagingError(`the host frame pool is exhausted (vm${vm} page 0x${gpn.toString(16)})`, vm, false);
      this.backed.set(key, fresh);
      this.onFault?.({ vm, gpn, write, kind: 'minor', result: null });
      return fresh;
    }
    if (pager.isMapped(vm, gpn)) {
      if (write) pager.markDirty(vm, gpn);
      pager.touch(vm, gpn);
      return this.firstPa + pager.frameOf(vm, gpn) * 4096;
    }
    let result: FaultResult;
    try {
      result = pager.fault(vm, gpn, write);
    } catch (e) {
      // Under replay the recorded inputs ran out or disagree: the replay no longer follows the trace.
      if (this.replay !== null && e instanceof RangeError) throw new HostPagingError(`host paging replay: ${e.message}`, vm, true);
      throw e;
    }
    this.onFault?.({ vm, gpn, write, kind: result.ok ? result.kind : 'minor', result });
    if (!result.ok) throw new HostPagingError(result.message, vm, result.fatal);
    return this.firstPa + result.frame * 4096;
  }

  /** The machine address of a page's frame if it has one now (no fault), else -1. */
  residentFrame(vm: number, gpn: number): number {
    const pager = this.pager;
    if (pager === null) return this.backed.get(pageKey(vm, gpn)) ?? -1;
    const frame = pager.frameOf(vm, gpn);
    return frame < 0 ? -1 : this.firstPa + frame * 4096;
  }

  /** The host stored into a page it got from frameFor(…, false): it must be written back if evicted. */
  markDirty(vm: number, gpn: number): void {
    if (this.pager !== null && this.pager.frameOf(vm, gpn) >= 0) this.pager.markDirty(vm, gpn);
  }

  /** The pager (host paging runs), for its statistics. */
  get hostPager(): HostPager | null {
    return this.pager;
  }

  /**
   * A fresh (all-zero) frame's machine address, or -1 when the pool is empty: a frame
   * that is never taken back (without host paging only; under paging every frame belongs
   * to the pager).
   */
  alloc(): number {
    if (this.pager !== null) throw new Error('HostFramePool.alloc: every frame belongs to the host pager; use frameFor(vm, gpn, write)');
    if (this.next >= this.end) return -1;
    const pa = this.next;
    this.next += 4096;
    return pa;
  }

  /** Frames handed out so far without paging (with paging: frames the pager holds pages in). */
  get used(): number {
    return this.pager === null ? (this.next - this.firstPa) / 4096 : this.frames - this.pager.freeFrameCount;
  }

  /** Whether a machine address lies in the pool's frames. */
  contains(pa: number): boolean {
    return pa >= this.firstPa && pa < this.end;
  }

  /**
   * Plain data for snapshots. Under host paging, a replaying pool (replay, time travel)
   * keeps the pager's whole state (page map, policy, backing-store contents copy-on-write)
   * and how many recorded inputs were used; a recording keeps only `{paging: true}`: its
   * backing store (maybe a file) is not snapshotted, so such a snapshot cannot be restored.
   */
  saveState(): unknown {
    const pager = this.pager;
    if (pager !== null) return this.replay === null ? { paging: true } : { paging: true, pager: pager.saveState(), inputs: this.replay.consumed };
    return { cursor: this.next, backed: [...this.backed] };
  }

  restoreState(state: unknown): void {
    const s = state as { paging?: boolean; pager?: HostPagerState; inputs?: number; cursor: number; backed: [number, number][] } | number;
    if (typeof s === 'number') {
      this.next = s;
      return;
    }
    if (s.paging === true && this.pager !== null && this.replay !== null && s.pager !== undefined) {
      this.pager.restoreState(s.pager);
      this.replay.seek(s.inputs ?? 0);
      return;
    }
    if (s.paging === true || this.pager !== null)
      throw new MachineError(
        s.paging === true && s.pager === undefined
          ? 'this snapshot of a run with host paging (--host-mem) was taken while recording and does not hold the pager\'s state (page map, policy, backing store): it cannot be restored (time travel re-executes from an earlier snapshot instead)'
          : 'a snapshot of a run with host paging (--host-mem) can be restored only into a machine that replays the same trace with paging',
      );
    this.next = s.cursor;
    this.backed.clear();
    for (const [k, v] of s.backed) this.backed.set(k, v);
  }

  /**
   * VM `vm` stopped for good: under host paging its frames and backing slots go back to
   * the pool (its strategy's mappings are left as they are: it never runs again).
   */
  release(vm: number): void {
    this.pager?.release(vm);
  }

  /** Closes the backing store (a file stays in place). */
  close(): void {
    this.pager?.close();
  }

  private openStore(): BackingStore {
    const { config, inject } = this.paging!;
    try {
      return openBackingStore(config.backing, { inject });
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new MachineError(`cannot open the backing store ${formatBacking(config.backing)}: ${why}`);
    }
  }

  private ownerOf(vm: number): FrameOwner {
    const owner = this.owners[vm];
    if (owner === undefined) throw new Error(`host paging: no strategy registered for vm${vm}`);
    return owner;
  }
}

function pageKey(vm: number, gpn: number): number {
  return vm * GPN_LIMIT + gpn;
}
