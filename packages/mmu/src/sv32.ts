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
    // Leaf: permission checks.
    if (access === ACCESS_FETCH) {
      if ((pte & PTE_X) === 0) return WALK_PAGE_FAULT;
      if (ctx.priv === 0 ? (pte & PTE_U) === 0 : (pte & PTE_U) !== 0) return WALK_PAGE_FAULT;
    } else {
      if (ctx.priv === 0) {
        if ((pte & PTE_U) === 0) return WALK_PAGE_FAULT;
      } else if ((pte & PTE_U) !== 0 && !ctx.sum) return WALK_PAGE_FAULT;
      if (access === ACCESS_LOAD) {
        if ((pte & PTE_R) === 0 && !(ctx.mxr && (pte & PTE_X) !== 0)) return WALK_PAGE_FAULT;
      } else if ((pte & PTE_W) === 0) return WALK_PAGE_FAULT;
    }
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
