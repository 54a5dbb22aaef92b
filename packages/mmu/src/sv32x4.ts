import type { PhysicalBus } from './physical-bus.js';
import {
  ACCESS_STORE,
  PTE_A,
  PTE_D,
  PTE_R,
  PTE_V,
  PTE_W,
  PTE_X,
  WALK_ACCESS_FAULT,
  leafAllows,
  type AccessType,
} from './sv32.js';

/** A G-stage (or two-stage) walk found no valid mapping: a guest-page fault (causes 20/21/23). */
export const WALK_GUEST_PAGE_FAULT = -3;

/** hgatp.MODE (bit 31): 0 = Bare, 1 = Sv32x4. */
export const HGATP_MODE_SV32X4 = 0x80000000;
/** hgatp.PPN with its two low bits forced to zero: the root table is 16 KiB, 16 KiB aligned. */
export const HGATP_PPN_MASK = 0x3ffffc;

/**
 * G-stage translation (privileged spec, "Guest Physical Address Translation"): Sv32x4
 * through hgatp. The guest-physical address is up to 34 bits, so it travels as a page
 * number (22 bits) plus an offset (12 bits) and is never packed into one int32.
 *
 * It is the Sv32 algorithm with: hgatp for satp; a 16 KiB root table indexed by
 * gpa[33:22] (12 bits); every access checked as a U-mode access, so a leaf must have
 * U=1 (SUM plays no part); guest-page faults in place of page faults. `mxr` is the
 * HS-level mstatus.MXR (vsstatus.MXR never reaches this stage); `hlvx` makes execute
 * permission take the place of read permission (HLVX). Implicit accesses for the VS
 * stage pass ACCESS_LOAD (reading a PTE) or ACCESS_STORE (setting its A/D bits) with
 * mxr false. A and D are set as walkSv32 does.
 *
 * Returns the machine physical address (a non-negative number, up to 34 bits),
 * WALK_GUEST_PAGE_FAULT or WALK_ACCESS_FAULT.
 */
export function walkSv32x4(bus: PhysicalBus, hgatp: number, gpaPage: number, gpaOffset: number, access: AccessType, mxr: boolean, hlvx: boolean): number {
  if (hgatp >= 0) return gpaPage * 4096 + gpaOffset; // Bare
  let a = (hgatp & HGATP_PPN_MASK) * 4096;
  let level = 1;
  for (;;) {
    const index = level === 1 ? gpaPage >>> 10 : gpaPage & 0x3ff;
    const pteAddr = a + index * 4;
    bus.fault = false;
    const pte = bus.read(pteAddr, 4);
    if (bus.fault) return WALK_ACCESS_FAULT;
    if ((pte & PTE_V) === 0 || ((pte & PTE_R) === 0 && (pte & PTE_W) !== 0)) return WALK_GUEST_PAGE_FAULT;
    if ((pte & (PTE_R | PTE_X)) === 0) {
      if (level === 0) return WALK_GUEST_PAGE_FAULT;
      level = 0;
      a = (pte >>> 10) * 4096;
      continue;
    }
    // Every G-stage access counts as a U-mode access.
    if (!leafAllows(pte, access, 0, false, mxr, hlvx)) return WALK_GUEST_PAGE_FAULT;
    const ppn = pte >>> 10;
    if (level === 1 && (ppn & 0x3ff) !== 0) return WALK_GUEST_PAGE_FAULT;
    const need = access === ACCESS_STORE ? PTE_A | PTE_D : PTE_A;
    if ((pte & need) !== need) {
      bus.write(pteAddr, 4, pte | need);
      if (bus.fault) return WALK_ACCESS_FAULT;
    }
    const pagePpn = level === 1 ? (ppn & ~0x3ff) | (gpaPage & 0x3ff) : ppn;
    return pagePpn * 4096 + gpaOffset;
  }
}
