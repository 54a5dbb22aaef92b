import type { Ram } from '@hvrr/mmu';
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from '@hvrr/mmu';

/** Size of an Sv32x4 root table: 4096 entries, 16 KiB-aligned (privileged spec, "Guest Physical Address Translation"). */
export const SV32X4_ROOT_BYTES = 16 * 1024;

/** Leaf flags of a G-stage mapping of guest RAM: U (G-stage checks are U-mode checks), A and D set so no walk ever writes. */
export const G_LEAF_RWX = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D;
/** The same, write-protected (a store faults to the hypervisor: page-table pages under `nested`). */
export const G_LEAF_RX = PTE_V | PTE_R | PTE_X | PTE_U | PTE_A | PTE_D;

/**
 * One VM's G-stage (Sv32x4) page table, built by the hypervisor in host RAM: a 16 KiB
 * root whose entries point to 4 KiB leaf tables. Guest-physical pages are numbered
 * (gpn = gpa / 4096, up to 2^22 for 34-bit gpas) and never squeezed into an int32 address.
 * Tables live in frames the VM's guest RAM never maps, so a guest can never reach them.
 */
export class GStageTable {
  /** Machine address of each leaf table, by root index (0 = none yet). */
  private readonly leaves = new Float64Array(4096);

  constructor(
    private readonly ram: Ram,
    /** Machine-physical address of the root (16 KiB-aligned, zeroed). */
    readonly rootPa: number,
    /** Allocates a zeroed 4 KiB frame for a leaf table (machine address). */
    private readonly allocTable: () => number,
  ) {
    if (rootPa % SV32X4_ROOT_BYTES !== 0) throw new Error('an Sv32x4 root must be 16 KiB-aligned');
  }

  /** hgatp for this table: MODE = Sv32x4, the VMID, the root's PPN. */
  hgatp(vmid: number): number {
    return (1 << 31) | ((vmid & 0x7f) << 22) | (this.rootPa / 4096);
  }

  /** Maps guest page `gpn` to the machine frame at `pa` with `flags`. */
  map(gpn: number, pa: number, flags: number): void {
    const i32 = this.ram.i32;
    const rootIndex = gpn >>> 10;
    let leaf = this.leaves[rootIndex];
    if (leaf === 0) {
      leaf = this.allocTable();
      this.leaves[rootIndex] = leaf;
      const rootOff = this.rootPa - this.ram.base + rootIndex * 4;
      i32[rootOff >>> 2] = ((leaf / 4096) << 10) | PTE_V;
      this.ram.dirty[rootOff >>> 12] = 1; // host RAM changed: state hashes must see it
    }
    const off = leaf - this.ram.base + (gpn & 0x3ff) * 4;
    i32[off >>> 2] = ((pa / 4096) << 10) | flags;
    this.ram.dirty[off >>> 12] = 1;
  }

  /** The leaf PTE of `gpn` (0 when unmapped). */
  pte(gpn: number): number {
    const leaf = this.leaves[gpn >>> 10];
    if (leaf === 0) return 0;
    return this.ram.i32[(leaf - this.ram.base + (gpn & 0x3ff) * 4) >>> 2];
  }

  /** The machine address of guest page `gpn`, or -1 when unmapped. */
  frameOf(gpn: number): number {
    const pte = this.pte(gpn);
    return (pte & PTE_V) === 0 ? -1 : (pte >>> 10) * 4096;
  }

  /** Machine addresses of the leaf tables, by root index (snapshots; the tables themselves are RAM). */
  saveLeaves(): Float64Array {
    return this.leaves.slice();
  }

  restoreLeaves(leaves: Float64Array): void {
    this.leaves.set(leaves);
  }

  /** Changes the flags of a mapped page (e.g. write-protect it); returns whether it was mapped. */
  setFlags(gpn: number, flags: number): boolean {
    const pa = this.frameOf(gpn);
    if (pa < 0) return false;
    this.map(gpn, pa, flags);
    return true;
  }
}
