import {
  HVRR_SBI_IMPL_ID,
  HVRR_SBI_IMPL_VERSION,
  SBI_ERR_ALREADY_AVAILABLE,
  SBI_ERR_FAILED,
  SBI_ERR_INVALID_PARAM,
  SBI_ERR_NOT_SUPPORTED,
  SBI_EXT_BASE,
  SBI_EXT_DBCN,
  SBI_EXT_HSM,
  SBI_EXT_IPI,
  SBI_EXT_RFENCE,
  SBI_EXT_SRST,
  SBI_EXT_TIME,
  SBI_LEGACY_CLEAR_IPI,
  SBI_LEGACY_CONSOLE_GETCHAR,
  SBI_LEGACY_CONSOLE_PUTCHAR,
  SBI_LEGACY_REMOTE_FENCE_I,
  SBI_LEGACY_REMOTE_SFENCE_VMA,
  SBI_LEGACY_REMOTE_SFENCE_VMA_ASID,
  SBI_LEGACY_SEND_IPI,
  SBI_LEGACY_SET_TIMER,
  SBI_LEGACY_SHUTDOWN,
  SBI_SUCCESS,
  type RunOutcome,
} from '@hvrr/machine';
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

const SUPPORTED = new Set([SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_HSM, SBI_EXT_SRST, SBI_EXT_DBCN, 0, 1, 2, 3, 4, 5, 6, 7, 8]);

/** The result of one call: a0 (error, or the legacy return value) and a1 (value; unchanged for legacy calls). */
export interface SbiResult {
  legacy: boolean;
  error: number;
  value: number;
}

/**
 * SBI for VS-mode guests, served by the hypervisor on an ecall from VS (cause 10):
 * Base (with probe), TIME, IPI, RFENCE, HSM, SRST, DBCN and the legacy calls; anything
 * else answers SBI_ERR_NOT_SUPPORTED. Each VM has one hart, hart 0.
 */
export function guestSbiCall(host: GuestSbiHost, vm: Vm, eid: number, fid: number, a: number[]): SbiResult {
  if (eid <= 8) return { legacy: true, error: legacy(host, vm, eid, a), value: 0 };
  const [error, value] = call(host, vm, eid, fid, a);
  return { legacy: false, error, value };
}

function legacy(host: GuestSbiHost, vm: Vm, eid: number, a: number[]): number {
  switch (eid) {
    case SBI_LEGACY_SET_TIMER:
      host.setTimer(vm, (a[1] >>> 0) * 2 ** 32 + (a[0] >>> 0));
      return 0;
    case SBI_LEGACY_CONSOLE_PUTCHAR:
      vm.console.write(a[0] & 0xff);
      return 0;
    case SBI_LEGACY_CONSOLE_GETCHAR:
      return vm.console.read();
    case SBI_LEGACY_CLEAR_IPI:
      host.setSoftwareInterrupt(vm, false);
      return 0;
    case SBI_LEGACY_SEND_IPI:
      host.setSoftwareInterrupt(vm, true);
      return 0;
    case SBI_LEGACY_REMOTE_FENCE_I:
    case SBI_LEGACY_REMOTE_SFENCE_VMA:
    case SBI_LEGACY_REMOTE_SFENCE_VMA_ASID:
      host.fence(vm);
      return 0;
    case SBI_LEGACY_SHUTDOWN:
      host.stop(vm, { kind: 'pass', how: 'SBI legacy shutdown' });
      return 0;
  }
  return SBI_ERR_NOT_SUPPORTED;
}

function call(host: GuestSbiHost, vm: Vm, eid: number, fid: number, a: number[]): [number, number] {
  switch (eid) {
    case SBI_EXT_BASE:
      switch (fid) {
        case 0: return [SBI_SUCCESS, 0x02000000]; // spec version 2.0
        case 1: return [SBI_SUCCESS, HVRR_SBI_IMPL_ID];
        case 2: return [SBI_SUCCESS, HVRR_SBI_IMPL_VERSION];
        case 3: return [SBI_SUCCESS, SUPPORTED.has(a[0] >>> 0) ? 1 : 0];
        case 4: case 5: case 6: return [SBI_SUCCESS, 0]; // mvendorid, marchid, mimpid
      }
      break;
    case SBI_EXT_TIME:
      if (fid === 0) {
        host.setTimer(vm, (a[1] >>> 0) * 2 ** 32 + (a[0] >>> 0));
        return [SBI_SUCCESS, 0];
      }
      break;
    case SBI_EXT_IPI:
      if (fid === 0) {
        const base = a[1];
        if (base !== -1 && base !== 0) return [SBI_ERR_INVALID_PARAM, 0];
        if (base === -1 || (a[0] & 1) !== 0) host.setSoftwareInterrupt(vm, true);
        return [SBI_SUCCESS, 0];
      }
      break;
    case SBI_EXT_RFENCE:
      if (fid <= 6) {
        host.fence(vm);
        return [SBI_SUCCESS, 0];
      }
      break;
    case SBI_EXT_HSM:
      switch (fid) {
        case 0: return [a[0] === 0 ? SBI_ERR_ALREADY_AVAILABLE : SBI_ERR_INVALID_PARAM, 0];
        case 1: return [SBI_ERR_FAILED, 0]; // the VM's only hart cannot stop
        case 2: return a[0] === 0 ? [SBI_SUCCESS, 0] : [SBI_ERR_INVALID_PARAM, 0];
        case 3: return [SBI_SUCCESS, 0]; // retentive suspend: returns at once, as a spurious wake-up may
      }
      break;
    case SBI_EXT_SRST:
      if (fid === 0) {
        const type = a[0] >>> 0;
        const reason = a[1] >>> 0;
        if (type > 2 || reason > 1) return [SBI_ERR_INVALID_PARAM, 0];
        if (reason === 1) host.stop(vm, { kind: 'fail', code: 1, how: 'SBI system reset: system failure' });
        else host.stop(vm, { kind: 'pass', how: type === 0 ? 'SBI system reset: shutdown' : 'SBI system reset: reboot (the VM ends)' });
        return [SBI_SUCCESS, 0];
      }
      break;
    case SBI_EXT_DBCN:
      return debugConsole(host, vm, fid, a);
  }
  return [SBI_ERR_NOT_SUPPORTED, 0];
}

function debugConsole(host: GuestSbiHost, vm: Vm, fid: number, a: number[]): [number, number] {
  if (fid === 2) {
    vm.console.write(a[0] & 0xff);
    return [SBI_SUCCESS, 0];
  }
  if (fid !== 0 && fid !== 1) return [SBI_ERR_NOT_SUPPORTED, 0];
  const count = a[0] >>> 0;
  const gpa = (a[2] >>> 0) * 2 ** 32 + (a[1] >>> 0);
  if (fid === 0) {
    const bytes = host.readGuest(vm, gpa, count);
    if (bytes === null) return [SBI_ERR_INVALID_PARAM, 0];
    for (const b of bytes) vm.console.write(b);
    return [SBI_SUCCESS, count];
  }
  if (host.readGuest(vm, gpa, count) === null) return [SBI_ERR_INVALID_PARAM, 0];
  const bytes: number[] = [];
  while (bytes.length < count && vm.console.hasInput()) bytes.push(vm.console.read());
  if (bytes.length > 0) host.writeGuest(vm, gpa, Uint8Array.from(bytes));
  return [SBI_SUCCESS, bytes.length];
}
