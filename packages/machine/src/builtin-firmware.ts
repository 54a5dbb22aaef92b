import { CSR, EXC_ECALL_S, IRQ_SSI, IRQ_STI, causeName, type Hart } from '@hvrr/cpu';
import type { BoardContext } from './board-context.js';
import { sbiCall, type SbiServices } from './sbi-calls.js';

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
    const r = sbiCall(this.services(hart), eid, fid, args);
    x[10] = r.error;
    if (!r.legacy) x[11] = r.value;
    this.onCall?.(eid, r.legacy ? 0 : fid, args, r.error, r.value);
    hart.pc = (hart.pc + 4) | 0;
    return true;
  }

  private services(hart: Hart): SbiServices {
    const ram = hart.bus.ram;
    return {
      console: this.board.console,
      rebootHow: 'SBI system reset: reboot (hvrr ends the run)',
      setTimer: (deadline) => {
        this.stimecmp = deadline;
        hart.setPending(IRQ_STI, false);
        this.onTimerChange();
      },
      setSoftwareInterrupt: (level) => hart.setPending(IRQ_SSI, level),
      fence: () => hart.contextChanged(),
      stop: (outcome) => this.board.finish(outcome),
      readMemory: (addr, len) => (ram.contains(addr, len) ? ram.u8.subarray(addr - ram.base, addr - ram.base + len) : null),
      writeMemory: (addr, bytes) => this.hostWrite(addr, bytes),
    };
  }
}
