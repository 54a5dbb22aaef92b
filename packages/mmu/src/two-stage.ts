import type { PhysicalBus } from './physical-bus.js';
import {
  ACCESS_LOAD,
  ACCESS_STORE,
  PTE_A,
  PTE_D,
  PTE_R,
  PTE_V,
  PTE_W,
  PTE_X,
  WALK_ACCESS_FAULT,
  WALK_PAGE_FAULT,
  leafAllows,
  type AccessType,
} from './sv32.js';
import { walkSv32x4, WALK_GUEST_PAGE_FAULT } from './sv32x4.js';

/** Which access a guest-page fault came from (written to htinst/mtinst by the hart). */
export const GPF_EXPLICIT = 0;
/** The G stage refused a read of a VS-level PTE (htinst pseudoinstruction 0x00002000). */
export const GPF_IMPLICIT_READ = 1;
/** The G stage refused the A/D update of a VS-level PTE (pseudoinstruction 0x00002020). */
export const GPF_IMPLICIT_WRITE = 2;

/** The context of a guest access (V=1, HLV/HSV, or MPRV with MPV), and what a fault left behind. */
export interface GuestWalkContext {
  /** Effective nominal privilege of the access: 0 = VU, 1 = VS. */
  priv: number;
  /** vsstatus.SUM: VS-mode may touch U pages (VS stage only). */
  sum: boolean;
  /** vsstatus.MXR or mstatus.MXR: execute-only pages readable at the VS stage. */
  vsMxr: boolean;
  /** mstatus.MXR: execute-only pages readable at the G stage too. */
  gMxr: boolean;
  /** HLVX: execute permission takes the place of read permission at both stages. */
  hlvx: boolean;
  /** Set on WALK_GUEST_PAGE_FAULT: the faulting guest-physical page number (up to 22 bits). */
  faultGpaPage: number;
  /** Set on WALK_GUEST_PAGE_FAULT: the offset in that page (for a PTE access, the PTE's own offset). */
  faultGpaOffset: number;
  /** Set on WALK_GUEST_PAGE_FAULT: GPF_EXPLICIT, GPF_IMPLICIT_READ or GPF_IMPLICIT_WRITE. */
  faultKind: number;
}

export function guestWalkContext(): GuestWalkContext {
  return { priv: 0, sum: false, vsMxr: false, gMxr: false, hlvx: false, faultGpaPage: 0, faultGpaOffset: 0, faultKind: GPF_EXPLICIT };
}

/**
 * Two-stage translation of a guest virtual address (privileged spec, "Two-Stage Address
 * Translation"): the VS stage (Sv32 through vsatp, or Bare) gives a guest-physical
 * address, the G stage (walkSv32x4 through hgatp) the machine physical address. The VS
 * stage's own page-table reads and A/D writes are guest-physical accesses and go
 * through the G stage as implicit loads/stores; when the G stage refuses one, the fault
 * is still reported for the original access type, with the PTE's guest-physical address.
 *
 * Returns the machine physical address (non-negative), WALK_PAGE_FAULT (VS stage),
 * WALK_GUEST_PAGE_FAULT (G stage; ctx.fault* say where) or WALK_ACCESS_FAULT.
 */
export function walkTwoStage(bus: PhysicalBus, vsatp: number, hgatp: number, va: number, access: AccessType, ctx: GuestWalkContext): number {
  if (vsatp >= 0) return gStage(bus, hgatp, va >>> 12, va & 0xfff, access, ctx, GPF_EXPLICIT);
  // Guest-physical page number of the current table (22 bits: tables may lie above 4 GiB).
  let tablePage = vsatp & 0x3fffff;
  let level = 1;
  for (;;) {
    const index = level === 1 ? va >>> 22 : (va >>> 12) & 0x3ff;
    const pteOffset = index * 4;
    const pteAddr = gStage(bus, hgatp, tablePage, pteOffset, ACCESS_LOAD, ctx, GPF_IMPLICIT_READ);
    if (pteAddr < 0) return pteAddr;
    bus.fault = false;
    const pte = bus.read(pteAddr, 4);
    if (bus.fault) return WALK_ACCESS_FAULT;
    if ((pte & PTE_V) === 0 || ((pte & PTE_R) === 0 && (pte & PTE_W) !== 0)) return WALK_PAGE_FAULT;
    if ((pte & (PTE_R | PTE_X)) === 0) {
      if (level === 0) return WALK_PAGE_FAULT;
      level = 0;
      tablePage = pte >>> 10;
      continue;
    }
    if (!leafAllows(pte, access, ctx.priv, ctx.sum, ctx.vsMxr, ctx.hlvx)) return WALK_PAGE_FAULT;
    const ppn = pte >>> 10;
    if (level === 1 && (ppn & 0x3ff) !== 0) return WALK_PAGE_FAULT;
    const need = access === ACCESS_STORE ? PTE_A | PTE_D : PTE_A;
    if ((pte & need) !== need) {
      // The A/D update is an implicit store at the G stage.
      const writeAddr = gStage(bus, hgatp, tablePage, pteOffset, ACCESS_STORE, ctx, GPF_IMPLICIT_WRITE);
      if (writeAddr < 0) return writeAddr;
      bus.write(writeAddr, 4, pte | need);
      if (bus.fault) return WALK_ACCESS_FAULT;
    }
    const gpaPage = level === 1 ? (ppn & ~0x3ff) | ((va >>> 12) & 0x3ff) : ppn;
    return gStage(bus, hgatp, gpaPage, va & 0xfff, access, ctx, GPF_EXPLICIT);
  }
}

/** One G-stage translation; on a guest-page fault notes where and why in ctx. */
function gStage(bus: PhysicalBus, hgatp: number, gpaPage: number, gpaOffset: number, access: AccessType, ctx: GuestWalkContext, kind: number): number {
  // Implicit accesses are not explicit loads: neither MXR nor HLVX applies to them.
  const explicit = kind === GPF_EXPLICIT;
  const pa = walkSv32x4(bus, hgatp, gpaPage, gpaOffset, access, explicit && ctx.gMxr, explicit && ctx.hlvx);
  if (pa === WALK_GUEST_PAGE_FAULT) {
    ctx.faultGpaPage = gpaPage;
    ctx.faultGpaOffset = gpaOffset;
    ctx.faultKind = kind;
  }
  return pa;
}
