import { sbiCall, type RunOutcome, type SbiResult } from '@hvrr/machine';
import type { Vm } from './vm.js';

/** What the SBI implementation may do to the VM that called it. */
export interface GuestSbiHost {
  /** Arms (or with Infinity disarms) the VM's timer, clearing a pending VS timer interrupt. */
  setTimer(vm: Vm, deadline: number): void;
  /** Raises or clears the VM's VS software interrupt (hvip.VSSIP). */
  setSoftwareInterrupt(vm: Vm, level: boolean): void;
  /** The guest's remote fences: drop cached translations and code. */
  fence(vm: Vm): void;
  /** Ends the VM with this outcome. */
  stop(vm: Vm, outcome: RunOutcome): void;
  /** Reads guest-physical memory of the VM's RAM; null when [gpa, gpa+len) is not all RAM. */
  readGuest(vm: Vm, gpa: number, len: number): Uint8Array | null;
  /** Writes guest-physical memory of the VM's RAM (a host write: an event). */
  writeGuest(vm: Vm, gpa: number, bytes: Uint8Array): boolean;
}

/**
 * SBI for VS-mode guests, served by the hypervisor on an ecall from VS (cause 10): the
 * same SBI the built-in firmware serves (packages/machine's sbiCall), bound to one VM,
 * its hart 0 and its guest-physical memory.
 */
export function guestSbiCall(host: GuestSbiHost, vm: Vm, eid: number, fid: number, a: number[]): SbiResult {
  return sbiCall(
    {
      console: vm.console,
      rebootHow: 'SBI system reset: reboot (the VM ends)',
      setTimer: (deadline) => host.setTimer(vm, deadline),
      setSoftwareInterrupt: (level) => host.setSoftwareInterrupt(vm, level),
      fence: () => host.fence(vm),
      stop: (outcome) => host.stop(vm, outcome),
      readMemory: (gpa, len) => host.readGuest(vm, gpa, len),
      writeMemory: (gpa, bytes) => void host.writeGuest(vm, gpa, bytes),
    },
    eid,
    fid,
    a,
  );
}
