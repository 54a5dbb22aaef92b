import { PTE_A, PTE_D, PTE_V, type Ram } from '@hvrr/mmu';

/** The two shadow views: what the guest kernel may reach, and what its user mode may. */
export const VIEW_KERNEL = 0;
export const VIEW_USER = 1;
export type ShadowView = typeof VIEW_KERNEL | typeof VIEW_USER;

/**
 * Shadow Sv32 tables (guest-virtual → machine) in a fixed arena of host RAM pages: one
 * root per view and second-level tables allocated on demand. The hart walks them
 * itself (satp = a view's root, real U-mode), so every leaf has U set. When the arena
 * runs out, everything is dropped and refilled on demand: shadow contents are a cache,
 * and refilling is invisible to the guest.
 *
 * A reverse map (guest page → shadow leaf slots) finds every shadow mapping of a page,
 * to write-protect a new page-table page or to evict the page.
 */
export class ShadowTables {
  private readonly free: number[] = [];
  /** Second-level table of (view, root index): its machine address, or 0. */
  private readonly second: Int32Array[] = [new Int32Array(1024), new Int32Array(1024)];
  private readonly used: number[] = [];
  /** gpn → machine addresses of shadow leaf slots that mapped it (some may be stale: checked on use). */
  private rmap = new Map<number, number[]>();
  readonly roots: [number, number];
  /** How often the whole shadow was dropped (stats). */
  flushes = 0;

  constructor(
    private readonly ram: Ram,
    /** Arena pages (machine addresses), all zero; the first two become the roots. */
    pages: number[],
    /** A leaf the hart wrote through (D) is being dropped: its machine page was written. */
    private readonly onDirty: (pa: number) => void,
  ) {
    if (pages.length < 4) throw new Error('a shadow arena needs at least 4 pages');
    this.roots = [pages[0]!, pages[1]!];
    for (let i = pages.length - 1; i >= 2; i--) this.free.push(pages[i]!);
  }

  /** The satp value that makes the hart walk `view` (Sv32, ASID 0). */
  satp(view: ShadowView): number {
    return (0x80000000 | (this.roots[view] / 4096)) | 0;
  }

  private word(pa: number): number {
    return this.ram.i32[(pa - this.ram.base) >>> 2]!;
  }

  private setWord(pa: number, v: number): void {
    this.ram.i32[(pa - this.ram.base) >>> 2] = v;
  }

  /** Maps the 4 KiB page at `va` in `view` to machine page `pa` with leaf bits `flags` (when the arena is full, everything is dropped first). */
  map(view: ShadowView, va: number, gpn: number, pa: number, flags: number): void {
    const i = va >>> 22;
    let table = this.second[view]![i]!;
    if (table === 0) {
      if (this.free.length === 0) this.dropAll();
      table = this.free.pop()!;
      this.used.push(table);
      this.second[view]![i] = table;
      this.setWord(this.roots[view] + i * 4, ((table >>> 12) << 10) | PTE_V);
    }
    const slot = table + ((va >>> 12) & 0x3ff) * 4;
    this.harvest(this.word(slot));
    this.setWord(slot, ((pa >>> 12) << 10) | flags);
    let list = this.rmap.get(gpn);
    if (list === undefined) this.rmap.set(gpn, (list = []));
    list.push(slot, pa);
  }

  /** The shadow leaf for `va` in `view`, or 0. */
  leaf(view: ShadowView, va: number): number {
    const table = this.second[view]![va >>> 22]!;
    return table === 0 ? 0 : this.word(table + ((va >>> 12) & 0x3ff) * 4);
  }

  /** Removes the mapping of page `va` from both views. */
  unmapPage(va: number): void {
    for (const view of [VIEW_KERNEL, VIEW_USER]) {
      const table = this.second[view]![va >>> 22]!;
      if (table === 0) continue;
      const slot = table + ((va >>> 12) & 0x3ff) * 4;
      this.harvest(this.word(slot));
      this.setWord(slot, 0);
    }
  }

  /** A leaf about to be dropped: report the write its D bit records. */
  private harvest(pte: number): void {
    if ((pte & PTE_V) !== 0 && (pte & PTE_D) !== 0) this.onDirty((pte >>> 10) * 4096);
  }

  /** Removes every mapping of the 4 MiB region of root index `i` from both views. */
  unmapRegion(i: number): void {
    for (const view of [VIEW_KERNEL, VIEW_USER]) {
      const table = this.second[view]![i]!;
      if (table !== 0) this.zeroPage(table);
    }
  }

  /** Drops one view's mappings (tables stay allocated). */
  dropView(view: ShadowView): void {
    for (const table of this.second[view]!) if (table !== 0) this.zeroPage(table);
  }

  /**
   * Clears every live shadow leaf that maps guest page `gpn` (machine page `pa`), or
   * with `keepReadOnly` only takes their write permission away. Returns whether any of
   * them was written through (D, which the hart sets in shadow leaves).
   */
  unmapGuestPage(gpn: number, pa: number, keepReadOnly: boolean, writeBit: number): boolean {
    const list = this.rmap.get(gpn);
    if (list === undefined) return false;
    let dirty = false;
    const live: number[] = [];
    const ppn = pa >>> 12;
    for (let k = 0; k < list.length; k += 2) {
      const slot = list[k]!;
      if (list[k + 1] !== pa) continue;
      const pte = this.word(slot);
      if ((pte & PTE_V) === 0 || pte >>> 10 !== ppn) continue;
      if ((pte & PTE_D) !== 0) dirty = true;
      if (keepReadOnly) {
        this.setWord(slot, pte & ~(writeBit | PTE_D));
        live.push(slot, pa);
      } else this.setWord(slot, 0);
    }
    if (live.length > 0) this.rmap.set(gpn, live);
    else this.rmap.delete(gpn);
    return dirty;
  }

  /** Whether any live shadow leaf of guest page `gpn` (machine page `pa`) was used (A); clears A in all of them. */
  testAndClearAccessed(gpn: number, pa: number): boolean {
    const list = this.rmap.get(gpn);
    if (list === undefined) return false;
    let used = false;
    const ppn = pa >>> 12;
    for (let k = 0; k < list.length; k += 2) {
      const slot = list[k]!;
      if (list[k + 1] !== pa) continue;
      const pte = this.word(slot);
      if ((pte & PTE_V) === 0 || pte >>> 10 !== ppn || (pte & PTE_A) === 0) continue;
      used = true;
      this.setWord(slot, pte & ~PTE_A);
    }
    return used;
  }

  /** Forgets every shadow mapping: roots cleared, second-level tables back to the free list. */
  dropAll(): void {
    this.flushes++;
    for (const view of [VIEW_KERNEL, VIEW_USER]) {
      this.zeroPage(this.roots[view]);
      this.second[view]!.fill(0);
    }
    for (const table of this.used) {
      this.zeroPage(table);
      this.free.push(table);
    }
    this.used.length = 0;
    this.rmap.clear();
  }

  private zeroPage(pa: number): void {
    const at = (pa - this.ram.base) >>> 2;
    const i32 = this.ram.i32;
    for (let i = at; i < at + 1024; i++) if (i32[i] !== 0) this.harvest(i32[i]!);
    i32.fill(0, at, at + 1024);
  }

  /** Snapshot state (the tables themselves are host RAM). */
  saveState(): unknown {
    return { free: [...this.free], second: this.second.map((s) => s.slice()), used: [...this.used], rmap: [...this.rmap], flushes: this.flushes };
  }

  restoreState(state: unknown): void {
    const s = state as { free: number[]; second: Int32Array[]; used: number[]; rmap: [number, number[]][]; flushes: number };
    this.free.length = 0;
    this.free.push(...s.free);
    s.second.forEach((t, i) => this.second[i]!.set(t));
    this.used.length = 0;
    this.used.push(...s.used);
    this.rmap = new Map(s.rmap.map(([k, v]) => [k, [...v]]));
    this.flushes = s.flushes;
  }
}
