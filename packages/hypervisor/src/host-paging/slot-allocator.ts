/**
 * Slot numbers for a backing store: freed slots are reused last-freed-first, otherwise the
 * next never-used one; `maxSlots` bounds the store (past it, ENOSPC). Deterministic, so the
 * same run places the same pages in the same slots.
 */
export class SlotAllocator {
  private readonly freed: number[] = [];
  private nextUnused = 0;
  inUse = 0;

  constructor(readonly maxSlots = Infinity) {
    if (!(maxSlots >= 1)) throw new RangeError(`a backing store needs at least one slot, got ${maxSlots}`);
  }

  /** A slot number, or -1 when all `maxSlots` are taken. */
  allocate(): number {
    let slot = this.freed.pop();
    if (slot === undefined) {
      if (this.nextUnused >= this.maxSlots) return -1;
      slot = this.nextUnused++;
    }
    this.inUse++;
    return slot;
  }

  free(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.nextUnused || this.freed.includes(slot)) throw new RangeError(`slot ${slot} is not allocated`);
    this.freed.push(slot);
    this.inUse--;
  }

  saveState(): { freed: number[]; nextUnused: number; inUse: number } {
    return { freed: this.freed.slice(), nextUnused: this.nextUnused, inUse: this.inUse };
  }

  restoreState(s: ReturnType<SlotAllocator['saveState']>): void {
    this.freed.length = 0;
    this.freed.push(...s.freed);
    this.nextUnused = s.nextUnused;
    this.inUse = s.inUse;
  }

  /** One past the highest slot ever handed out (the file store's length in pages). */
  get highWater(): number {
    return this.nextUnused;
  }
}
