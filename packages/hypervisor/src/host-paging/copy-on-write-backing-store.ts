import type { FailureInjector, IoResult } from './backing-store.js';
import { measureNs } from './host-stopwatch.js';
import { PAGE_SIZE } from './page-size.js';
import type { SlotAllocator } from './slot-allocator.js';
import { SlottedBackingStore } from './slotted-backing-store.js';

/** A snapshot of the store: slot allocation, and each slot's page (shared with the store until it is written again). */
export interface CopyOnWriteStoreState {
  slots: ReturnType<SlotAllocator['saveState']>;
  pages: (Uint8Array | undefined)[];
}

/**
 * An in-memory backing store whose contents can be snapshotted cheaply, for replay and
 * time travel: each slot's page is its own 4 KiB array, and a snapshot is the list of
 * those arrays. A write into a page that a snapshot also holds replaces the array
 * instead of writing into it (copy-on-write), so taking a snapshot copies no page and
 * costs one reference per slot; a write costs a page allocation only the first time a
 * slot is written after a snapshot or a restore.
 */
export class CopyOnWriteBackingStore extends SlottedBackingStore {
  readonly name = 'memory';
  private pages: (Uint8Array | undefined)[] = [];
  /** Slots whose array no snapshot holds: written in place. */
  private readonly owned = new Set<number>();

  constructor(options: { maxSlots?: number; inject?: FailureInjector } = {}) {
    super(options.inject, options.maxSlots);
  }

  close(): void {
    this.pages = [];
    this.owned.clear();
  }

  saveState(): CopyOnWriteStoreState {
    // From now on the snapshot shares every page: the next write of a slot gets a new array.
    this.owned.clear();
    return { slots: this.saveSlots(), pages: this.pages.slice() };
  }

  restoreState(state: unknown): void {
    const s = state as CopyOnWriteStoreState;
    this.restoreSlots(s.slots);
    this.pages = s.pages.slice();
    this.owned.clear();
  }

  protected writePage(slot: number, page: Uint8Array): IoResult {
    const { ns } = measureNs(() => {
      const data = page.subarray(0, PAGE_SIZE);
      const mine = this.pages[slot];
      if (mine !== undefined && this.owned.has(slot)) mine.set(data);
      else {
        this.pages[slot] = data.slice();
        this.owned.add(slot);
      }
    });
    return { ok: true, measuredNs: ns };
  }

  protected readPage(slot: number, into: Uint8Array): IoResult {
    const { ns } = measureNs(() => {
      const page = this.pages[slot];
      if (page === undefined) into.fill(0, 0, PAGE_SIZE);
      else into.set(page);
    });
    return { ok: true, measuredNs: ns };
  }
}
