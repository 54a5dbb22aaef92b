import { MachineError, UART_BASE, UART_SIZE, buildDeviceTree, checkSegmentsFit, ElfError, parseElf, TIMEBASE_HZ, type ElfImage } from '@hvrr/machine';

/** What the hypervisor writes into guest RAM before a VM starts: the kernel's segments and a device tree. */
export interface GuestBootImage {
  elf: ElfImage;
  dtb: Uint8Array;
  dtbGpa: number;
}

/**
 * Prepares a guest's boot as KVM and QEMU do without firmware: the kernel ELF's segments
 * at their guest-physical addresses, and a device tree describing the VM's board
 * (memory, the UART, bootargs; no CLINT: the guest's timer is SBI's) at the top of its
 * RAM. The vCPU then starts in VS-mode at the entry with a0 = 0 (hart id), a1 = the dtb.
 */
export function prepareGuestBoot(image: Uint8Array, path: string, memBase: number, memSize: number, bootargs: string): GuestBootImage {
  let elf: ElfImage;
  try {
    elf = parseElf(image);
    checkSegmentsFit(elf, memBase, memSize);
  } catch (e) {
    if (e instanceof ElfError) throw new MachineError(`${path}: ${e.message}`);
    throw e;
  }
  const dtb = buildDeviceTree({
    memBase,
    memSize,
    harts: 1,
    isa: 'rv32ima_zicsr_zifencei',
    mmuType: 'riscv,sv32',
    timebaseFrequency: TIMEBASE_HZ,
    uart: { base: UART_BASE, size: UART_SIZE, clockFrequency: 3686400 },
    bootargs,
  });
  const end = memBase + memSize;
  let dtbGpa = -1;
  for (const at of [Math.floor((end - dtb.length) / 0x200000) * 0x200000, Math.floor((end - dtb.length) / 8) * 8]) {
    if (at < memBase) continue;
    if (!elf.segments.some((s) => at < s.paddr + s.memsz && s.paddr < at + dtb.length)) {
      dtbGpa = at;
      break;
    }
  }
  if (dtbGpa < 0) throw new MachineError(`${path}: no room for the device tree at the top of guest RAM (raise the VM's memory)`);
  return { elf, dtb, dtbGpa };
}
