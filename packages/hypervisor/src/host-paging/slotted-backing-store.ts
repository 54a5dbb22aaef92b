import type { BackingStore, FailureInjector, IoResult, SlotResult } from './backing-store.js';
import { SlotAllocator } from './slot-allocator.js';

/**
 * What every backing store shares: slot allocation (bounded by `maxSlots`, past it ENOSPC)
 * and failure injection in front of each operation. Subclasses only move page bytes.
 */
export abstract class SlottedBackingStore implements BackingStore {
  abstract readonly name: string;
  private readonly slots: SlotAllocator;

  constructor(private readonly inject: FailureInjector | undefined, maxSlots: number | undefined) {
    this.slots = new SlotAllocator(maxSlots);
  }

  allocate(): SlotResult {
    const injected = this.inject?.('allocate', -1);
    if (injected !== undefined) return { ok: false, error: injected };
    const slot = this.slots.allocate();
    return slot < 0 ? { ok: false, error: 'ENOSPC' } : { ok: true, slot };
  }

  write(slot: number, page: Uint8Array): IoResult {
    const injected = this.inject?.('write', slot);
    return injected !== undefined ? { ok: false, error: injected, measuredNs: 0 } : this.writePage(slot, page);
  }

  read(slot: number, into: Uint8Array): IoResult {
    const injected = this.inject?.('read', slot);
    return injected !== undefined ? { ok: false, error: injected, measuredNs: 0 } : this.readPage(slot, into);
  }

  free(slot: number): void {
    this.slots.free(slot);
  }

  get slotsInUse(): number {
    return this.slots.inUse;
  }

  /** Which slots are handed out (for a subclass's snapshots; contents are the subclass's). */
  protected saveSlots(): ReturnType<SlotAllocator['saveState']> {
    return this.slots.saveState();
  }

  protected restoreSlots(state: ReturnType<SlotAllocator['saveState']>): void {
    this.slots.restoreState(state);
  }

  abstract close(): void;
  protected abstract writePage(slot: number, page: Uint8Array): IoResult;
  protected abstract readPage(slot: number, into: Uint8Array): IoResult;
}
