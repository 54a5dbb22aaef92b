export { Ram } from './ram.js';
export type { MmioDevice } from './mmio-device.js';
export { PhysicalBus } from './physical-bus.js';
export type { MmioObserver } from './physical-bus.js';
export { Tlb, TLB_BITS, TLB_SIZE, TLB_MASK } from './tlb.js';
export {
  walkSv32,
  ACCESS_FETCH,
  ACCESS_LOAD,
  ACCESS_STORE,
  PTE_V,
  PTE_R,
  PTE_W,
  PTE_X,
  PTE_U,
  PTE_G,
  PTE_A,
  PTE_D,
  WALK_PAGE_FAULT,
  WALK_ACCESS_FAULT,
  leafAllows,
} from './sv32.js';
export type { AccessType, WalkContext } from './sv32.js';
export { walkSv32x4, WALK_GUEST_PAGE_FAULT, HGATP_MODE_SV32X4, HGATP_PPN_MASK } from './sv32x4.js';
export { walkTwoStage, guestWalkContext, GPF_EXPLICIT, GPF_IMPLICIT_READ, GPF_IMPLICIT_WRITE } from './two-stage.js';
export type { GuestWalkContext } from './two-stage.js';
