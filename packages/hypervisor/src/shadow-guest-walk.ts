import { ACCESS_STORE, PTE_A, PTE_D, PTE_R, PTE_V, PTE_W, PTE_X, leafAllows, type AccessType } from '@hvrr/mmu';

/** Guest-physical memory as the walk sees it: a word of the VM's RAM, or null when gpa is not RAM. */
export interface GuestWords {
  read(gpa: number): number | null;
  /** Writes a word of RAM (the walk's A/D update; never a guest store, so never a ptw). */
  write(gpa: number, value: number): void;
}

/** The outcome of walking the guest's own Sv32 tables for one access. */
export type GuestWalkResult =
  | { kind: 'ok'; gpa: number; /** the leaf PTE after the walk's A/D update (Bare: all permissions) */ pte: number }
  | { kind: 'page-fault' }
  | { kind: 'access-fault' };

/** A leaf standing for "paging off": every permission, nothing for U (Bare is for the kernel). */
const BARE_LEAF = PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;

/**
 * The guest's Sv32 translation of `va` for one access at virtual privilege `priv` (0 U,
 * 1 S), exactly as the hart walks VS-stage tables under `nested` (privileged spec,
 * "Virtual Address Translation Process", with hardware A/D updates), but reading the
 * tables in guest-physical memory: a PTE that is not in the VM's RAM is an access
 * fault, as the G stage makes it under `nested`. `satp` Bare: gpa = va.
 */
export function walkGuestSv32(
  mem: GuestWords,
  satp: number,
  va: number,
  access: AccessType,
  priv: number,
  sum: boolean,
  mxr: boolean,
): GuestWalkResult {
  va >>>= 0;
  if (satp >= 0) return { kind: 'ok', gpa: va, pte: BARE_LEAF };
  let a = (satp & 0x3fffff) * 4096;
  let level = 1;
  for (;;) {
    const pteGpa = a + (level === 1 ? va >>> 22 : (va >>> 12) & 0x3ff) * 4;
    const pte = mem.read(pteGpa);
    if (pte === null) return { kind: 'access-fault' };
    if ((pte & PTE_V) === 0 || ((pte & PTE_R) === 0 && (pte & PTE_W) !== 0)) return { kind: 'page-fault' };
    if ((pte & (PTE_R | PTE_X)) === 0) {
      if (level === 0) return { kind: 'page-fault' };
      level = 0;
      a = (pte >>> 10) * 4096;
      continue;
    }
    if (!leafAllows(pte, access, priv, sum, mxr, false)) return { kind: 'page-fault' };
    const ppn = pte >>> 10;
    if (level === 1 && (ppn & 0x3ff) !== 0) return { kind: 'page-fault' };
    const need = access === ACCESS_STORE ? PTE_A | PTE_D : PTE_A;
    let leaf = pte;
    if ((pte & need) !== need) {
      leaf = pte | need;
      mem.write(pteGpa, leaf);
    }
    const pageBase = level === 1 ? (ppn >>> 10) * 0x400000 + (va & 0x3ff000) : ppn * 4096;
    return { kind: 'ok', gpa: pageBase + (va & 0xfff), pte: leaf };
  }
}
