import { UART_BASE } from '@hvrr/machine';
import { PTE_R, PTE_V, PTE_W, PTE_X } from '@hvrr/mmu';
import { ShadowStrategy } from './shadow-strategy.js';

/** Why an mmu_update entry was refused (null: valid). */
export type PvRefusal = string | null;

/**
 * `pv`: the guest kernel runs deprivileged exactly as under `shadow`, but (booted with
 * pv=1, after probing the PV MMU extension) changes its page tables by hypercalls
 * (pv-mmu.ts) instead of stores. Pages the guest has written page-table entries into by
 * hypercall are typed as page tables until all their entries are zero again; typed
 * pages, like the current tables, are read-only in the shadow (a store still traps
 * and is emulated, as under `shadow`, for a kernel that does not use PV).
 */
export class PvStrategy extends ShadowStrategy {
  override readonly name = 'pv' as const;
  /** Typed page-table pages → how many of their entries are non-zero. */
  private typed = new Map<number, number>();

  override isWriteProtected(gpn: number): boolean {
    return super.isWriteProtected(gpn) || this.typed.has(gpn);
  }

  /**
   * Checks one update (privileged spec Sv32 PTE rules plus the VM's bounds): the word
   * lies in guest RAM in a page that is a page table (current, typed, or still all
   * zero, a fresh table); a valid entry points only into the VM's own RAM (a leaf may
   * also map the UART's page); W without R is reserved.
   */
  validate(pteGpa: number, value: number): PvRefusal {
    if (pteGpa % 4 !== 0) return `PTE address 0x${(pteGpa >>> 0).toString(16)} is not word-aligned`;
    const gpn = Math.floor(pteGpa / 4096);
    if (!this.isRam(gpn)) return `PTE address 0x${(pteGpa >>> 0).toString(16)} is not the VM's RAM`;
    if (!this.isWriteProtected(gpn) && this.countNonZero(gpn) !== 0)
      return `page 0x${(gpn * 4096).toString(16)} holds data, not a page table`;
    if ((value & PTE_V) === 0) return null;
    if ((value & PTE_R) === 0 && (value & PTE_W) !== 0) return 'W without R is reserved';
    const target = value >>> 10;
    const leaf = (value & (PTE_R | PTE_X)) !== 0;
    if (this.isRam(target)) {
      // A leaf in the current root is a 4 MiB megapage: all of it must be RAM.
      if (leaf && gpn === this.rootGpn && !this.isRam(target + 1023)) return `megapage at 0x${(target * 4096).toString(16)} runs past the VM's RAM`;
      return null;
    }
    if (leaf && target === UART_BASE / 4096) return null;
    return `${leaf ? 'leaf' : 'table link'} to 0x${(target * 4096).toString(16)}, which is not the VM's ${leaf ? 'RAM or MMIO' : 'RAM'}`;
  }

  /** Applies one validated update: the shadow follows, the page stays typed while any entry is non-zero. */
  applyUpdate(pteGpa: number, value: number): { old: number; new: number; isTable: boolean } {
    const gpn = Math.floor(pteGpa / 4096);
    const isTable = this.tablePages.has(gpn);
    if (!this.typed.has(gpn)) {
      this.typed.set(gpn, this.countNonZero(gpn));
      this.writeProtect(gpn);
    }
    const r = this.storeToTable(pteGpa, 4, value);
    const delta = (r.new !== 0 ? 1 : 0) - (r.old !== 0 ? 1 : 0);
    const n = this.typed.get(gpn)! + delta;
    if (n === 0) this.typed.delete(gpn);
    else this.typed.set(gpn, n);
    return { old: r.old, new: r.new, isTable };
  }

  typedPages(): number {
    return this.typed.size;
  }

  override saveState(): unknown {
    return { shadow: super.saveState(), typed: [...this.typed] };
  }

  override restoreState(state: unknown): void {
    const s = state as { shadow: unknown; typed: [number, number][] };
    super.restoreState(s.shadow);
    this.typed = new Map(s.typed);
  }
}
