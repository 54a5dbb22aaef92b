/** Why Hart.run() returned. */
export const STOP_BUDGET = 0;
export const STOP_HALT = 1;
export const STOP_IDLE = 2;
/** A trap went to HS-mode and the host (a TypeScript hypervisor) took it: a VM exit. */
export const STOP_VM_EXIT = 3;
export type StopReason = typeof STOP_BUDGET | typeof STOP_HALT | typeof STOP_IDLE | typeof STOP_VM_EXIT;
