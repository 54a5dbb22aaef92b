import { HSTATUS_VTVM } from '@hvrr/cpu';
import { PTE_A, PTE_D, PTE_R, PTE_V, PTE_W, PTE_X, type Ram } from '@hvrr/mmu';
import { GStageTable, G_LEAF_RWX, G_LEAF_RX } from './g-stage-table.js';
import type { HostFramePool } from './host-frame-pool.js';
import type { GuestAccessOrigin, MemoryStrategy } from './memory-strategy.js';


/** What a strategy may ask of the hypervisor around it. */
export interface StrategyHost {
  readonly ram: Ram;
  readonly pool: HostFramePool;
  /** Allocates a zeroed frame for a G-stage leaf table. */
  allocTable(): number;
  /** G-stage entries changed in a way cached translations may not survive (HFENCE.GVMA). */
  flushTranslations(): void;
  /** Host RAM changed behind the hart (the hypervisor wrote it): drop translated code there. */
  invalidateCode(pa: number, length: number): void;
}

/**
 * `nested`: hardware-assisted memory virtualization. The guest kernel owns its VS-stage
 * tables (vsatp) and the hart walks them itself; the hypervisor owns a G-stage table
 * (hgatp, own VMID) mapping the VM's guest RAM, page by page on first touch, to machine
 * frames from the host pool. Nothing else is ever mapped: MMIO and every other gpa
 * fault to the hypervisor.
 *
 * Page-table writes are observed exactly: hstatus.VTVM makes every vsatp write exit, so
 * the hypervisor always knows the guest's root; the root and the second-level tables it
 * points to are mapped read-only in the G stage, so each guest store to one exits and
 * is emulated here (a ptw). Which pages are tables follows from guest memory alone,
 * never from TLB state.
 */
export class NestedStrategy implements MemoryStrategy {
  readonly name = 'nested' as const;
  readonly hgatp: number;
  readonly hstatusBits = HSTATUS_VTVM;
  private readonly table: GStageTable;
  private readonly firstGpn: number;
  private readonly endGpn: number;
  private tablePages = new Set<number>();
  private rootGpn = -1;
  private frames = 0;
  /** This VM's index in the host frame pool (VMID = index + 1). */
  private readonly vm: number;
  /**
   * Leaves leave D clear under host paging: the hart's G-stage walk sets it on the first
   * store, and evict() reports it, so a page the guest only read is dropped, not written.
   */
  private readonly dirtyMask: number;

  constructor(
    private readonly host: StrategyHost,
    vmid: number,
    rootPa: number,
    /** Guest RAM: [memBase, memBase + memSize), page-aligned. */
    readonly memBase: number,
    readonly memSize: number,
  ) {
    this.table = new GStageTable(host.ram, rootPa, () => host.allocTable());
    this.hgatp = this.table.hgatp(vmid);
    this.vm = vmid - 1;
    this.dirtyMask = host.pool.paging !== null ? ~PTE_D : -1;
    this.firstGpn = memBase / 4096;
    this.endGpn = (memBase + memSize) / 4096;
  }

  private isRam(gpn: number): boolean {
    return gpn >= this.firstGpn && gpn < this.endGpn;
  }

  /**
   * The frame of guest page gpn (RAM), from the host frame pool (which may bring it back
   * from the backing store, evicting another page), mapped in the G stage. `write`: the
   * caller stores into it.
   */
  private frame(gpn: number, write: boolean): number {
    const pa = this.host.pool.frameFor(this.vm, gpn, write);
    const mapped = this.table.frameOf(gpn);
    if (mapped !== pa) {
      this.table.map(gpn, pa, (this.tablePages.has(gpn) ? G_LEAF_RX : G_LEAF_RWX) & this.dirtyMask);
      if (mapped < 0) this.frames++;
    }
    return pa;
  }

  machineAddress(gpa: number): number {
    const gpn = Math.floor(gpa / 4096);
    if (!this.isRam(gpn)) return -1;
    return this.frame(gpn, false) + (gpa % 4096);
  }

  evict(gpn: number): { dirty: boolean } {
    const pte = this.table.pte(gpn);
    if ((pte & PTE_V) === 0) return { dirty: false };
    this.table.map(gpn, 0, 0); // an invalid leaf: the next access faults to the hypervisor
    this.frames--;
    this.host.flushTranslations();
    return { dirty: (pte & PTE_D) !== 0 };
  }

  testAndClearAccessed(gpn: number): boolean {
    const pte = this.table.pte(gpn);
    if ((pte & PTE_V) === 0 || (pte & PTE_A) === 0) return false;
    this.table.map(gpn, (pte >>> 10) * 4096, pte & 0x3ff & ~PTE_A);
    this.host.flushTranslations(); // the next use walks again and sets A
    return true;
  }

  guestPageFault(cause: number, gpa: number, origin: GuestAccessOrigin): 'mapped' | 'table-store' | 'outside' {
    const gpn = Math.floor(gpa / 4096);
    if (!this.isRam(gpn)) return 'outside';
    if (this.table.frameOf(gpn) < 0) {
      this.frame(gpn, cause === 23 && origin === 'explicit');
      return 'mapped';
    }
    if (origin === 'walk-write') {
      // The VS-stage walk's A/D update of a PTE in a write-protected table page: the
      // hypervisor does it for the walk (not a guest store, so no ptw).
      const at = this.frame(gpn, true) + (gpa & 0xffc) - this.host.ram.base;
      const i32 = this.host.ram.i32;
      i32[at >>> 2] |= PTE_A | (cause === 23 ? PTE_D : 0);
      this.host.ram.dirty[at >>> 12] = 1;
      return 'mapped';
    }
    if (cause === 23 && this.tablePages.has(gpn)) return 'table-store';
    // Mapped and allowed: a translation cached before the mapping changed. Drop it and retry.
    this.host.flushTranslations();
    return 'mapped';
  }

  storeToTable(gpa: number, size: 1 | 2 | 4, value: number): { wordGpa: number; old: number; new: number } {
    const ram = this.host.ram;
    const wordGpa = gpa - (gpa % 4);
    const at = this.frame(Math.floor(wordGpa / 4096), true) + (wordGpa % 4096) - ram.base;
    const old = ram.i32[at >>> 2];
    const shift = (gpa % 4) * 8;
    const mask = size === 4 ? -1 : ((1 << (size * 8)) - 1) << shift;
    const next = (old & ~mask) | ((value << shift) & mask);
    ram.i32[at >>> 2] = next;
    ram.dirty[at >>> 12] = 1;
    this.host.invalidateCode(ram.base + at, 4);
    if (Math.floor(gpa / 4096) === this.rootGpn) this.retrack();
    return { wordGpa, old, new: next };
  }

  rootChanged(vsatp: number): void {
    this.rootGpn = vsatp < 0 ? vsatp & 0x3fffff : -1; // MODE bit 31: Sv32; else Bare
    this.retrack();
  }

  isTablePage(gpn: number): boolean {
    return this.tablePages.has(gpn);
  }

  flush(): void {
    // The hart's TLBs cache the combined translation; the hypervisor flushes them.
  }

  saveState(): unknown {
    return { leaves: this.table.saveLeaves(), tablePages: [...this.tablePages], rootGpn: this.rootGpn, frames: this.frames };
  }

  restoreState(state: unknown): void {
    const s = state as { leaves: Float64Array; tablePages: number[]; rootGpn: number; frames: number };
    this.table.restoreLeaves(s.leaves);
    this.tablePages = new Set(s.tablePages);
    this.rootGpn = s.rootGpn;
    this.frames = s.frames;
  }

  stats(): { frames: number; tablePages: number } {
    return { frames: this.frames, tablePages: this.tablePages.size };
  }

  /** Changes a mapped leaf's permissions, keeping its D bit (host paging reads it at eviction). */
  private setLeafFlags(gpn: number, flags: number): boolean {
    const pte = this.table.pte(gpn);
    if ((pte & PTE_V) === 0) return false;
    this.table.map(gpn, (pte >>> 10) * 4096, (flags & this.dirtyMask) | (pte & PTE_D));
    return true;
  }

  /**
   * Re-derives the table pages (the root and every second-level table a valid non-leaf
   * root entry points to, within guest RAM) and write-protects exactly those.
   */
  private retrack(): void {
    const next = new Set<number>();
    const root = this.rootGpn;
    if (root >= 0 && this.isRam(root)) {
      next.add(root);
      const base = this.machineAddress(root * 4096) - this.host.ram.base;
      const i32 = this.host.ram.i32;
      for (let i = 0; i < 1024; i++) {
        const pte = i32[(base >>> 2) + i];
        if ((pte & PTE_V) !== 0 && (pte & (PTE_R | PTE_W | PTE_X)) === 0) {
          const gpn = pte >>> 10;
          if (this.isRam(gpn)) next.add(gpn);
        }
      }
    }
    let changed = false;
    for (const gpn of this.tablePages) if (!next.has(gpn)) changed = this.setLeafFlags(gpn, G_LEAF_RWX) || changed;
    for (const gpn of next) if (!this.tablePages.has(gpn)) changed = this.setLeafFlags(gpn, G_LEAF_RX) || changed;
    this.tablePages = next;
    if (changed) this.host.flushTranslations();
  }
}
