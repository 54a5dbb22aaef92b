import { CSR, EXC_ECALL_S, IRQ_SSI, IRQ_STI, causeName, type Hart } from '@hvrr/cpu';
import type { BoardContext } from './board-context.js';
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

const SUPPORTED = new Set([SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_HSM, SBI_EXT_SRST, SBI_EXT_DBCN, 0, 1, 2, 3, 4, 5, 6, 7, 8]);

/** Exceptions the built-in firmware delegates to S-mode: all but ecall from S (its own). */
export const BUILTIN_MEDELEG = 0xb1ff;
export const BUILTIN_MIDELEG = 0x222;

/**
 * The built-in firmware: an SBI implementation in TypeScript standing at the M level.
 * The kernel runs in S-mode; its ecalls trap toward M and land here instead of in
 * M-mode code. The S-mode timer is served directly (STIP raised at the deadline),
 * since no M-mode code exists to bounce a machine timer interrupt.
 */
export class BuiltinFirmware {
  /** set_timer deadline in mtime ticks (Infinity: none). */
  stimecmp = Infinity;

  constructor(
    private readonly board: BoardContext,
    private readonly onTimerChange: () => void,
    private readonly hostWrite: (pa: number, bytes: Uint8Array) => void,
    private readonly onCall?: (eid: number, fid: number, args: number[], error: number, value: number) => void,
  ) {}

  /** Prepares the hart to enter the kernel in S-mode, as a firmware would leave it. */
  enterKernel(hart: Hart, entry: number, dtb: number): void {
    hart.csr[CSR.medeleg] = BUILTIN_MEDELEG;
    hart.csr[CSR.mideleg] = BUILTIN_MIDELEG;
    hart.csr[CSR.mcounteren] = -1;
    hart.x[10] = 0;
    hart.x[11] = dtb;
    hart.priv = 1;
    hart.pc = entry | 0;
    hart.contextChanged();
  }

  /** HartHost.trapToM: serve SBI calls; anything else bound for M-mode ends the run. */
  trap(hart: Hart, cause: number, interrupt: boolean, tval: number): boolean {
    if (interrupt || cause !== EXC_ECALL_S) {
      this.board.finish({
        kind: 'error',
        message: `the built-in firmware cannot handle a trap to M-mode: ${causeName(cause, interrupt)} at pc 0x${(hart.pc >>> 0).toString(16)} (tval 0x${(tval >>> 0).toString(16)})`,
      });
      return true;
    }
    const x = hart.x;
    const eid = x[17] >>> 0;
    const fid = x[16] >>> 0;
    const args = [x[10], x[11], x[12], x[13], x[14], x[15]];
    if (eid <= 8) {
      // Legacy extensions return in a0 only.
      x[10] = this.legacy(hart, eid, args);
      this.onCall?.(eid, 0, args, x[10], 0);
    } else {
      const [error, value] = this.call(hart, eid, fid, args);
      x[10] = error;
      x[11] = value;
      this.onCall?.(eid, fid, args, error, value);
    }
    hart.pc = (hart.pc + 4) | 0;
    return true;
  }

  private setTimer(hart: Hart, lo: number, hi: number): void {
    this.stimecmp = (hi >>> 0) * 2 ** 32 + (lo >>> 0);
    hart.setPending(IRQ_STI, false);
    this.onTimerChange();
  }

  private legacy(hart: Hart, eid: number, a: number[]): number {
    const io = this.board.console;
    switch (eid) {
      case SBI_LEGACY_SET_TIMER:
        this.setTimer(hart, a[0], a[1]);
        return 0;
      case SBI_LEGACY_CONSOLE_PUTCHAR:
        io.write(a[0] & 0xff);
        return 0;
      case SBI_LEGACY_CONSOLE_GETCHAR:
        return io.read();
      case SBI_LEGACY_CLEAR_IPI:
        hart.setPending(IRQ_SSI, false);
        return 0;
      case SBI_LEGACY_SEND_IPI:
        hart.setPending(IRQ_SSI, true);
        return 0;
      case SBI_LEGACY_REMOTE_FENCE_I:
      case SBI_LEGACY_REMOTE_SFENCE_VMA:
      case SBI_LEGACY_REMOTE_SFENCE_VMA_ASID:
        hart.contextChanged();
        return 0;
      case SBI_LEGACY_SHUTDOWN:
        this.board.finish({ kind: 'pass', how: 'SBI legacy shutdown' });
        return 0;
    }
    return SBI_ERR_NOT_SUPPORTED;
  }

  private call(hart: Hart, eid: number, fid: number, a: number[]): [number, number] {
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
          this.setTimer(hart, a[0], a[1]);
          return [SBI_SUCCESS, 0];
        }
        break;
      case SBI_EXT_IPI:
        if (fid === 0) {
          // send_ipi(hart_mask, hart_mask_base): only hart 0 exists.
          const base = a[1];
          const includes0 = base === -1 || (base === 0 && (a[0] & 1) !== 0);
          if (base !== -1 && base !== 0) return [SBI_ERR_INVALID_PARAM, 0];
          if (includes0) hart.setPending(IRQ_SSI, true);
          return [SBI_SUCCESS, 0];
        }
        break;
      case SBI_EXT_RFENCE:
        if (fid <= 6) {
          hart.contextChanged();
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
          const type = a[0] >>> 0;
          const reason = a[1] >>> 0;
          if (type > 2 || reason > 1) return [SBI_ERR_INVALID_PARAM, 0];
          if (reason === 1) this.board.finish({ kind: 'fail', code: 1, how: 'SBI system reset: system failure' });
          else this.board.finish({ kind: 'pass', how: type === 0 ? 'SBI system reset: shutdown' : 'SBI system reset: reboot (hvrr ends the run)' });
          return [SBI_SUCCESS, 0];
        }
        break;
      case SBI_EXT_DBCN:
        return this.debugConsole(hart, fid, a);
    }
    return [SBI_ERR_NOT_SUPPORTED, 0];
  }

  private debugConsole(hart: Hart, fid: number, a: number[]): [number, number] {
    const io = this.board.console;
    const ram = hart.bus.ram;
    if (fid === 2) {
      io.write(a[0] & 0xff);
      return [SBI_SUCCESS, 0];
    }
    if (fid !== 0 && fid !== 1) return [SBI_ERR_NOT_SUPPORTED, 0];
    const count = a[0] >>> 0;
    const addr = (a[2] >>> 0) * 2 ** 32 + (a[1] >>> 0);
    if (!ram.contains(addr, count)) return [SBI_ERR_INVALID_PARAM, 0];
    const off = addr - ram.base;
    if (fid === 0) {
      for (let i = 0; i < count; i++) io.write(ram.u8[off + i]);
      return [SBI_SUCCESS, count];
    }
    const bytes: number[] = [];
    while (bytes.length < count && io.hasInput()) bytes.push(io.read());
    if (bytes.length > 0) this.hostWrite(addr, Uint8Array.from(bytes));
    return [SBI_SUCCESS, bytes.length];
  }
}
