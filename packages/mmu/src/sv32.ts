import type { PhysicalBus } from './physical-bus.js';

/** Access types, as the page walker checks them. */
export const ACCESS_FETCH = 0;
export const ACCESS_LOAD = 1;
export const ACCESS_STORE = 2;
export type AccessType = 0 | 1 | 2;

export const PTE_V = 1;
export const PTE_R = 2;
export const PTE_W = 4;
export const PTE_X = 8;
export const PTE_U = 16;
export const PTE_G = 32;
export const PTE_A = 64;
export const PTE_D = 128;

/** Walk results that are not a physical address. */
export const WALK_PAGE_FAULT = -1;
export const WALK_ACCESS_FAULT = -2;

export interface WalkContext {
  /** Effective privilege of the access: 0 = U, 1 = S. */
  priv: number;
  sum: boolean;
  mxr: boolean;
}

/**
 * The Sv32 page-table walk of the privileged spec (section "Virtual Address
 * Translation Process"), with the A and D bits set by the walk itself, as QEMU does:
 * kernels that never set them rely on it. Returns the physical address (up to 34
 * bits, as a non-negative number), WALK_PAGE_FAULT or WALK_ACCESS_FAULT.
 */
/**
 * The permission checks of an Sv32 leaf (privileged spec 4.3.2, steps 5-6) for an access
 * at privilege `priv` (0 U, 1 S): U pages only from U, or from S for loads and stores
 * with SUM; fetches need X; loads need R, or X with MXR; stores need W. `hlvx` (the H
 * extension's HLVX) makes a load need X instead of R.
 */
export function leafAllows(pte: number, access: AccessType, priv: number, sum: boolean, mxr: boolean, hlvx: boolean): boolean {
  if (access === ACCESS_FETCH) return (pte & PTE_X) !== 0 && (priv === 0) === ((pte & PTE_U) !== 0);
  if (priv === 0 ? (pte & PTE_U) === 0 : (pte & PTE_U) !== 0 && !sum) return false;
  if (access === ACCESS_LOAD) return hlvx ? (pte & PTE_X) !== 0 : (pte & PTE_R) !== 0 || (mxr && (pte & PTE_X) !== 0);
  return (pte & PTE_W) !== 0;
}

export function walkSv32(bus: PhysicalBus, satp: number, va: number, access: AccessType, ctx: WalkContext): number {
  let a = (satp & 0x3fffff) * 4096;
  let level = 1;
  for (;;) {
    const vpnPart = level === 1 ? va >>> 22 : (va >>> 12) & 0x3ff;
    const pteAddr = a + vpnPart * 4;
    bus.fault = false;
    const pte = bus.read(pteAddr, 4);
    if (bus.fault) return WALK_ACCESS_FAULT;
    if ((pte & PTE_V) === 0 || ((pte & PTE_R) === 0 && (pte & PTE_W) !== 0)) return WALK_PAGE_FAULT;
    if ((pte & (PTE_R | PTE_X)) === 0) {
      // Pointer to the next level.
      if (level === 0) return WALK_PAGE_FAULT;
      level = 0;
      a = (pte >>> 10) * 4096;
      continue;
    }
    if (!leafAllows(pte, access, ctx.priv, ctx.sum, ctx.mxr, false)) return WALK_PAGE_FAULT;
    const ppn = pte >>> 10;
    // A misaligned superpage is a page fault.
    if (level === 1 && (ppn & 0x3ff) !== 0) return WALK_PAGE_FAULT;
    // Set A (and D for stores) when missing; the spec requires this update to be atomic
    // with the walk, which a single hart gets for free.
    const need = access === ACCESS_STORE ? PTE_A | PTE_D : PTE_A;
    if ((pte & need) !== need) {
      bus.write(pteAddr, 4, pte | need);
      if (bus.fault) return WALK_ACCESS_FAULT;
    }
    const pageBase = level === 1 ? (ppn >>> 10) * 0x400000 + (va & 0x3ff000) : ppn * 4096;
    return pageBase + (va & 0xfff);
  }
}
