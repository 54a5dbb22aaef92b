import type { StrategyName } from './memory-strategy.js';

/** One VM to run: its kernel image, guest RAM, memory strategy, bootargs and syscall path. */
export interface VmSpec {
  /** The kernel ELF, loaded into guest RAM at its physical addresses. */
  image: Uint8Array;
  imagePath: string;
  /** Guest RAM in bytes (at gpa 0x80000000); default 64 MiB. */
  memSize?: number;
  strategy?: StrategyName;
  bootargs?: string;
  /** Route the guest's system calls (ecall from VU) through the hypervisor. */
  forwardSyscalls?: boolean;
}

/** Guest RAM of a VM unless its spec says otherwise. */
export const DEFAULT_GUEST_MEM = 64 * 1024 * 1024;
/** Where guest RAM starts in every VM's guest-physical space (as on QEMU's virt board). */
export const GUEST_RAM_BASE = 0x80000000;
/** Retired instructions a VM runs before the next VM's turn (when several are runnable). */
export const DEFAULT_QUANTUM = 200_000;
