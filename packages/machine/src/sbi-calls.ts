import type { ConsoleIO } from './console-io.js';
import type { RunOutcome } from './run-outcome.js';
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
} from './sbi.js';

/**
 * What an SBI call may do to the one hart it serves: the built-in firmware binds these
 * to the machine, the hypervisor to one VM. Addresses are the caller's physical ones
 * (guest-physical for a VM).
 */
export interface SbiServices {
  readonly console: ConsoleIO;
  /** Arms the supervisor timer at `deadline` ticks (Infinity: disarm) and clears a pending timer interrupt. */
  setTimer(deadline: number): void;
  setSoftwareInterrupt(level: boolean): void;
  /** A remote fence: drop cached translations. */
  fence(): void;
  /** Ends the run (or the VM) with this outcome. */
  stop(outcome: RunOutcome): void;
  /** The caller's RAM at [addr, addr + len), or null when that is not all RAM. */
  readMemory(addr: number, len: number): Uint8Array | null;
  /** Writes the caller's RAM (a host write: the caller makes it an event). */
  writeMemory(addr: number, bytes: Uint8Array): void;
  /** How a reboot request ends things, for the outcome's message. */
  readonly rebootHow: string;
}

/** One call's result: a0 (the error, or a legacy call's return value) and a1 (unchanged by legacy calls). */
export interface SbiResult {
  legacy: boolean;
  error: number;
  value: number;
}

const SUPPORTED = new Set([SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_HSM, SBI_EXT_SRST, SBI_EXT_DBCN, 0, 1, 2, 3, 4, 5, 6, 7, 8]);

/**
 * The SBI hvrr implements, for one hart (hart 0): Base (with probe), TIME, IPI, RFENCE,
 * HSM, SRST, DBCN and the legacy extensions; anything else answers NOT_SUPPORTED.
 * `a` holds a0..a5.
 */
export function sbiCall(s: SbiServices, eid: number, fid: number, a: number[]): SbiResult {
  if (eid <= 8) return { legacy: true, error: legacy(s, eid, a), value: 0 };
  const [error, value] = call(s, eid, fid, a);
  return { legacy: false, error, value };
}

function legacy(s: SbiServices, eid: number, a: number[]): number {
  switch (eid) {
    case SBI_LEGACY_SET_TIMER:
      s.setTimer((a[1]! >>> 0) * 2 ** 32 + (a[0]! >>> 0));
      return 0;
    case SBI_LEGACY_CONSOLE_PUTCHAR:
      s.console.write(a[0]! & 0xff);
      return 0;
    case SBI_LEGACY_CONSOLE_GETCHAR:
      return s.console.read();
    case SBI_LEGACY_CLEAR_IPI:
      s.setSoftwareInterrupt(false);
      return 0;
    case SBI_LEGACY_SEND_IPI:
      s.setSoftwareInterrupt(true);
      return 0;
    case SBI_LEGACY_REMOTE_FENCE_I:
    case SBI_LEGACY_REMOTE_SFENCE_VMA:
    case SBI_LEGACY_REMOTE_SFENCE_VMA_ASID:
      s.fence();
      return 0;
    case SBI_LEGACY_SHUTDOWN:
      s.stop({ kind: 'pass', how: 'SBI legacy shutdown' });
      return 0;
  }
  return SBI_ERR_NOT_SUPPORTED;
}

function call(s: SbiServices, eid: number, fid: number, a: number[]): [number, number] {
  switch (eid) {
    case SBI_EXT_BASE:
      switch (fid) {
        case 0: return [SBI_SUCCESS, 0x02000000]; // spec version 2.0
        case 1: return [SBI_SUCCESS, HVRR_SBI_IMPL_ID];
        case 2: return [SBI_SUCCESS, HVRR_SBI_IMPL_VERSION];
        case 3: return [SBI_SUCCESS, SUPPORTED.has(a[0]! >>> 0) ? 1 : 0];
        case 4: case 5: case 6: return [SBI_SUCCESS, 0]; // mvendorid, marchid, mimpid
      }
      break;
    case SBI_EXT_TIME:
      if (fid === 0) {
        s.setTimer((a[1]! >>> 0) * 2 ** 32 + (a[0]! >>> 0));
        return [SBI_SUCCESS, 0];
      }
      break;
    case SBI_EXT_IPI:
      if (fid === 0) {
        // send_ipi(hart_mask, hart_mask_base): only hart 0 exists.
        const base = a[1];
        if (base !== -1 && base !== 0) return [SBI_ERR_INVALID_PARAM, 0];
        if (base === -1 || (a[0]! & 1) !== 0) s.setSoftwareInterrupt(true);
        return [SBI_SUCCESS, 0];
      }
      break;
    case SBI_EXT_RFENCE:
      if (fid <= 6) {
        s.fence();
        return [SBI_SUCCESS, 0];
      }
      break;
    case SBI_EXT_HSM:
      switch (fid) {
        case 0: return [a[0] === 0 ? SBI_ERR_ALREADY_AVAILABLE : SBI_ERR_INVALID_PARAM, 0]; // hart_start
        case 1: return [SBI_ERR_FAILED, 0]; // hart_stop: the only hart cannot stop
        case 2: return a[0] === 0 ? [SBI_SUCCESS, 0] : [SBI_ERR_INVALID_PARAM, 0]; // hart_get_status: STARTED
        case 3: return [SBI_SUCCESS, 0]; // hart_suspend (retentive): returns at once, as a spurious wake-up may
      }
      break;
    case SBI_EXT_SRST:
      if (fid === 0) {
        const type = a[0]! >>> 0;
        const reason = a[1]! >>> 0;
        if (type > 2 || reason > 1) return [SBI_ERR_INVALID_PARAM, 0];
        if (reason === 1) s.stop({ kind: 'fail', code: 1, how: 'SBI system reset: system failure' });
        else s.stop({ kind: 'pass', how: type === 0 ? 'SBI system reset: shutdown' : s.rebootHow });
        return [SBI_SUCCESS, 0];
      }
      break;
    case SBI_EXT_DBCN:
      return debugConsole(s, fid, a);
  }
  return [SBI_ERR_NOT_SUPPORTED, 0];
}

function debugConsole(s: SbiServices, fid: number, a: number[]): [number, number] {
  if (fid === 2) {
    s.console.write(a[0]! & 0xff);
    return [SBI_SUCCESS, 0];
  }
  if (fid !== 0 && fid !== 1) return [SBI_ERR_NOT_SUPPORTED, 0];
  const count = a[0]! >>> 0;
  const addr = (a[2]! >>> 0) * 2 ** 32 + (a[1]! >>> 0);
  const bytes = s.readMemory(addr, count);
  if (bytes === null) return [SBI_ERR_INVALID_PARAM, 0];
  if (fid === 0) {
    for (const b of bytes) s.console.write(b);
    return [SBI_SUCCESS, count];
  }
  const read: number[] = [];
  while (read.length < count && s.console.hasInput()) read.push(s.console.read());
  if (read.length > 0) s.writeMemory(addr, Uint8Array.from(read));
  return [SBI_SUCCESS, read.length];
}
