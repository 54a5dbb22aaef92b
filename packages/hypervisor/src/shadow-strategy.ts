import { PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from '@hvrr/mmu';
import type { GuestAccessOrigin, MemoryStrategy } from './memory-strategy.js';
import type { StrategyHost } from './nested-strategy.js';
import type { GuestWords } from './shadow-guest-walk.js';
import { ShadowTables, VIEW_KERNEL, VIEW_USER, type ShadowView } from './shadow-tables.js';

/** Arena pages of shadow tables per VM: two roots and second-level tables (refilled from empty when they run out). */
export function shadowArenaPages(memSize: number): number {
  return 2 + 2 * Math.ceil(memSize / 0x400000) + 30;
}

/**
 * `shadow`: classic trap-and-emulate memory virtualization, with no help from the H
 * extension (hgatp = 0, V = 0). The guest kernel and its processes both run in real
 * U-mode; the hart walks shadow Sv32 tables (guest-virtual → machine) that this
 * strategy builds on demand from the guest's own tables (shadow-tables.ts), in two
 * views: the guest kernel's and its user mode's.
 *
 * Coherence: the guest's current page-table pages (the root in its virtual satp and
 * the second-level tables the root points to: the same set `nested` protects, so both
 * report the same ptws) are never writable in the shadow; a guest store to one traps,
 * is emulated here, and drops exactly the shadow entries derived from the changed
 * word. A new root (satp write) drops the whole shadow. So the shadow never holds a
 * translation the guest's tables no longer give, and the guest's SFENCE.VMA only has
 * to flush the hart's TLBs.
 *
 * The exit handling for trap-and-emulate VMs (privileged instructions, virtual
 * interrupts, shadow fills) is in shadow-exits.ts.
 */
export class ShadowStrategy implements MemoryStrategy {
  readonly name: 'shadow' | 'pv' = 'shadow';
  readonly hgatp = 0;
  readonly hstatusBits = 0;
  readonly tables: ShadowTables;
  protected readonly firstGpn: number;
  protected readonly endGpn: number;
  /** gpn - firstGpn → machine address of the frame backing it (0: not backed). */
  protected readonly frames: Float64Array;
  /** Pages the hypervisor itself wrote (emulated stores, A/D updates) since they were mapped. */
  protected readonly hvDirty: Uint8Array;
  protected tablePages = new Set<number>();
  /**
   * Pages that were page tables of a root the guest loaded, kept write-protected until
   * they are all zero again (a freed table): the guest kernel tears down an old address
   * space's tables while another root is loaded, and those stores must trap as well (for
   * the shadow's coherence they need not, but a shadow MMU that caches tables must, and
   * this is what a fork/exit costs under classic shadow paging). Not ptws: those are
   * stores to the current tables only.
   */
  protected knownTables = new Set<number>();
  /** Second-level table gpn → root indices pointing to it (within the current root). */
  protected linkedFrom = new Map<number, number[]>();
  protected rootGpn = -1;
  /** Machine frame → the guest page it holds (to credit shadow D bits to pages). */
  protected gpnOfFrame = new Map<number, number>();
  protected frameCount = 0;
  /** Hidden-fault progress guard: the last fill's (icount, va) and how often it repeated. */
  lastFill = { icount: -1, va: -1, repeats: 0 };
  /** Fault-storm guard: guest-visible exceptions injected with no instruction retired between them. */
  lastInjection = { icount: -1, repeats: 0 };
  readonly guestWords: GuestWords;

  constructor(
    protected readonly host: StrategyHost,
    /** This VM's index (its pages' owner in the host frame pool). */
    readonly vm: number,
    arena: number[],
    readonly memBase: number,
    readonly memSize: number,
  ) {
    this.tables = new ShadowTables(host.ram, arena, (pa) => {
      const gpn = this.gpnOfFrame.get(pa);
      if (gpn !== undefined) this.hvDirty[gpn - this.firstGpn] = 1;
    });
    this.firstGpn = memBase / 4096;
    this.endGpn = (memBase + memSize) / 4096;
    this.frames = new Float64Array(memSize / 4096);
    this.hvDirty = new Uint8Array(memSize / 4096);
    this.guestWords = {
      read: (gpa) => this.readWord(gpa),
      write: (gpa, v) => this.writeWord(gpa, v),
    };
  }

  isRam(gpn: number): boolean {
    return gpn >= this.firstGpn && gpn < this.endGpn;
  }

  /**
   * The machine frame holding RAM page gpn, from the host frame pool on first use or
   * after an eviction (which may evict another page: evict() below). `write`: the
   * hypervisor is about to store into it.
   */
  frameOf(gpn: number, write = false): number {
    const i = gpn - this.firstGpn;
    let pa = this.frames[i]!;
    if (pa === 0 || write) {
      pa = this.host.pool.frameFor(this.vm, gpn, write);
      if (this.frames[i] === 0) this.frameCount++;
      this.frames[i] = pa;
      this.gpnOfFrame.set(pa, gpn);
    }
    return pa;
  }

  machineAddress(gpa: number): number {
    const gpn = Math.floor(gpa / 4096);
    if (!this.isRam(gpn)) return -1;
    return this.frameOf(gpn) + (gpa % 4096);
  }

  /** A word of guest RAM (gpa word-aligned), or null when gpa is not RAM. */
  readWord(gpa: number): number | null {
    const pa = this.machineAddress(gpa - (gpa % 4));
    if (pa < 0) return null;
    return this.host.ram.i32[(pa - this.host.ram.base) >>> 2]!;
  }

  /** A hypervisor write of a word of guest RAM (not a guest store). */
  writeWord(gpa: number, value: number): void {
    const gpn = Math.floor(gpa / 4096);
    if (!this.isRam(gpn)) return;
    const pa = this.frameOf(gpn, true) + (gpa % 4096) - (gpa % 4);
    const ram = this.host.ram;
    const at = pa - ram.base;
    ram.i32[at >>> 2] = value;
    ram.dirty[at >>> 12] = 1;
    this.hvDirty[Math.floor(gpa / 4096) - this.firstGpn] = 1;
    this.host.invalidateCode(pa - (pa % 4), 4);
  }

  guestPageFault(_cause: number, _gpa: number, _origin: GuestAccessOrigin): 'mapped' | 'table-store' | 'outside' {
    // No G stage: guest-page faults cannot happen under trap-and-emulate.
    return 'outside';
  }

  /** Whether guest stores to page gpn must trap (a page-table page). */
  isWriteProtected(gpn: number): boolean {
    return this.tablePages.has(gpn) || this.knownTables.has(gpn);
  }

  storeToTable(gpa: number, size: 1 | 2 | 4, value: number): { wordGpa: number; old: number; new: number } {
    const wordGpa = gpa - (gpa % 4);
    const old = this.readWord(wordGpa) ?? 0;
    const shift = (gpa % 4) * 8;
    const mask = size === 4 ? -1 : ((1 << (size * 8)) - 1) << shift;
    const next = (old & ~mask) | ((value << shift) & mask);
    this.writeWord(wordGpa, next);
    this.tableWordChanged(wordGpa);
    const gpn = Math.floor(wordGpa / 4096);
    if (next === 0 && !this.tablePages.has(gpn) && this.knownTables.has(gpn) && this.countNonZero(gpn) === 0) this.knownTables.delete(gpn);
    return { wordGpa, old, new: next };
  }

  /** A word of a page-table page changed: drop the shadow entries derived from it. */
  protected tableWordChanged(wordGpa: number): void {
    const gpn = Math.floor(wordGpa / 4096);
    const index = (wordGpa % 4096) >>> 2;
    if (gpn === this.rootGpn) {
      this.tables.unmapRegion(index);
      this.retrack(true);
    }
    const roots = this.linkedFrom.get(gpn);
    if (roots !== undefined) for (const ri of roots) this.tables.unmapPage(((ri << 22) | (index << 12)) >>> 0);
    this.host.flushTranslations();
  }

  /** Non-zero words in RAM page gpn. */
  protected countNonZero(gpn: number): number {
    const base = (this.frameOf(gpn) - this.host.ram.base) >>> 2;
    const i32 = this.host.ram.i32;
    let n = 0;
    for (let i = 0; i < 1024; i++) if (i32[base + i] !== 0) n++;
    return n;
  }

  rootChanged(vsatp: number): void {
    this.rootGpn = vsatp < 0 ? vsatp & 0x3fffff : -1;
    this.retrack(false);
    this.tables.dropAll();
    this.host.flushTranslations();
  }

  isTablePage(gpn: number): boolean {
    return this.tablePages.has(gpn);
  }

  flush(): void {
    // The shadow is kept coherent at every page-table write; only the hart's TLBs cache more.
  }

  /** Virtual sstatus.SUM changed: the kernel view's mappings of user pages are stale. */
  sumChanged(): void {
    this.tables.dropView(VIEW_KERNEL);
    this.host.flushTranslations();
  }

  /**
   * Fills the shadow leaf for the page of `va` in `view` from the guest's leaf `pte`
   * (after the guest walk allowed the access): real U-mode, so U is always set; the
   * kernel view never executes the guest's user pages; W only once the guest's D is
   * set and never for a page-table page; A and D left clear so the hart records use and
   * writes (host paging's Clock policy and evict() read them).
   */
  fill(view: ShadowView, va: number, gpn: number, pte: number): void {
    const pa = this.frameOf(gpn);
    let perms = pte & (PTE_R | PTE_W | PTE_X);
    if (view === VIEW_KERNEL && (pte & PTE_U) !== 0) perms &= ~PTE_X;
    if ((pte & PTE_D) === 0 || this.isWriteProtected(gpn)) perms &= ~PTE_W;
    this.tables.map(view, (va & ~0xfff) >>> 0, gpn, pa, PTE_V | PTE_U | perms);
  }

  /** The shadow leaf the hart uses for `va` in `view` (0: none). */
  shadowLeaf(view: ShadowView, va: number): number {
    return this.tables.leaf(view, va);
  }

  viewSatp(vpriv: number): number {
    return this.tables.satp(vpriv === 1 ? VIEW_KERNEL : VIEW_USER);
  }

  /** Takes write permission away from every shadow mapping of gpn (it became a page-table page). */
  protected writeProtect(gpn: number): void {
    const pa = this.frames[gpn - this.firstGpn]!;
    if (pa === 0) return;
    if (this.tables.unmapGuestPage(gpn, pa, true, PTE_W)) this.hvDirty[gpn - this.firstGpn] = 1;
  }

  /**
   * Removes every mapping of guest page gpn to its machine frame and says whether the
   * page was written since it was mapped (host paging).
   */
  evict(gpn: number): { dirty: boolean } {
    if (!this.isRam(gpn)) return { dirty: false };
    const i = gpn - this.firstGpn;
    const pa = this.frames[i]!;
    if (pa === 0) return { dirty: false };
    const dirty = this.tables.unmapGuestPage(gpn, pa, false, PTE_W) || this.hvDirty[i] === 1;
    this.frames[i] = 0;
    this.gpnOfFrame.delete(pa);
    this.hvDirty[i] = 0;
    this.frameCount--;
    this.host.flushTranslations();
    return { dirty };
  }

  /** Host paging's Clock policy: whether the page was used since the last look (shadow A bits). */
  testAndClearAccessed(gpn: number): boolean {
    if (!this.isRam(gpn)) return false;
    const pa = this.frames[gpn - this.firstGpn]!;
    if (pa === 0 || !this.tables.testAndClearAccessed(gpn, pa)) return false;
    this.host.flushTranslations(); // the next use walks again and sets A
    return true;
  }

  saveState(): unknown {
    return {
      frames: this.frames.slice(),
      hvDirty: this.hvDirty.slice(),
      tablePages: [...this.tablePages],
      knownTables: [...this.knownTables],
      linkedFrom: [...this.linkedFrom],
      gpnOfFrame: [...this.gpnOfFrame],
      rootGpn: this.rootGpn,
      frameCount: this.frameCount,
      tables: this.tables.saveState(),
      guards: [structuredClone(this.lastFill), structuredClone(this.lastInjection)],
    };
  }

  restoreState(state: unknown): void {
    const s = state as {
      frames: Float64Array; hvDirty: Uint8Array; tablePages: number[]; knownTables: number[]; linkedFrom: [number, number[]][]; gpnOfFrame: [number, number][]; rootGpn: number; frameCount: number;
      tables: unknown; guards: [ShadowStrategy['lastFill'], ShadowStrategy['lastInjection']];
    };
    this.frames.set(s.frames);
    this.hvDirty.set(s.hvDirty);
    this.tablePages = new Set(s.tablePages);
    this.knownTables = new Set(s.knownTables);
    this.linkedFrom = new Map(s.linkedFrom.map(([k, v]) => [k, [...v]]));
    this.gpnOfFrame = new Map(s.gpnOfFrame);
    this.rootGpn = s.rootGpn;
    this.frameCount = s.frameCount;
    this.tables.restoreState(s.tables);
    this.lastFill = structuredClone(s.guards[0]);
    this.lastInjection = structuredClone(s.guards[1]);
  }

  stats(): { frames: number; tablePages: number } {
    return { frames: this.frameCount, tablePages: this.tablePages.size };
  }

  /**
   * Re-derives the current page-table pages (the root and every second-level table a
   * valid non-leaf root entry points to, within RAM: the ptw definition); with
   * `protect`, pages that became tables lose write permission in the shadow.
   */
  protected retrack(protect: boolean): void {
    const next = new Set<number>();
    const linked = new Map<number, number[]>();
    const root = this.rootGpn;
    if (root >= 0 && this.isRam(root)) {
      next.add(root);
      const base = this.frameOf(root) - this.host.ram.base;
      const i32 = this.host.ram.i32;
      for (let i = 0; i < 1024; i++) {
        const pte = i32[(base >>> 2) + i]!;
        if ((pte & PTE_V) !== 0 && (pte & (PTE_R | PTE_W | PTE_X)) === 0) {
          const gpn = pte >>> 10;
          if (!this.isRam(gpn)) continue;
          next.add(gpn);
          const list = linked.get(gpn);
          if (list === undefined) linked.set(gpn, [i]);
          else list.push(i);
        }
      }
    }
    if (protect) for (const gpn of next) if (!this.isWriteProtected(gpn)) this.writeProtect(gpn);
    for (const gpn of next) this.knownTables.add(gpn);
    this.tablePages = next;
    this.linkedFrom = linked;
  }
}

export { VIEW_KERNEL, VIEW_USER };
