import type { MmioDevice } from '@hvrr/mmu';
import { IRQ_MSI } from '@hvrr/cpu';
import type { BoardContext } from './board-context.js';

export const CLINT_BASE = 0x2000000;
export const CLINT_SIZE = 0x10000;

/**
 * The SiFive CLINT of QEMU virt, one hart: msip (0x0), mtimecmp (0x4000), mtime (0xbff8).
 * mtime is guest time from the GuestClock; MTIP is level-triggered, re-evaluated by the
 * machine between slices (a deadline ends the slice exactly when it falls due).
 */
export class Clint implements MmioDevice {
  readonly name = 'clint';
  /** mtimecmp as two unsigned halves, exact (the reset value is all ones). */
  private cmpLo = 0xffffffff;
  private cmpHi = 0xffffffff;

  /** mtimecmp as a number: exact below 2^53, and only ever compared with mtime. */
  get mtimecmp(): number {
    return this.cmpHi * 2 ** 32 + this.cmpLo;
  }

  /** Whether mtimecmp holds a value mtime can reach (mtime starts at 0 and stays far below 2^53). */
  get armed(): boolean {
    return this.cmpHi < 0x200000;
  }

  constructor(
    private readonly board: BoardContext,
    private readonly onTimerChange: () => void,
  ) {}

  read(offset: number, size: 1 | 2 | 4): number {
    const word = this.readWord(offset & ~3);
    if (size === 4) return word;
    const shift = (offset & 3) * 8;
    return size === 2 ? (word >>> shift) & 0xffff : (word >>> shift) & 0xff;
  }

  private readWord(offset: number): number {
    const board = this.board;
    switch (offset) {
      case 0x0:
        return (board.hart.csr[0x344] >>> IRQ_MSI) & 1;
      case 0x4000:
        return this.cmpLo | 0;
      case 0x4004:
        return this.cmpHi | 0;
      case 0xbff8:
        return lo(board.clock.mtime(board.hart.icount));
      case 0xbffc:
        return hi(board.clock.mtime(board.hart.icount));
      default:
        return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    // Sub-word writes merge into the word they fall in.
    const aligned = offset & ~3;
    if (size !== 4) {
      const shift = (offset & 3) * 8;
      const mask = (size === 2 ? 0xffff : 0xff) << shift;
      value = (this.readWord(aligned) & ~mask) | ((value << shift) & mask);
    }
    const board = this.board;
    switch (aligned) {
      case 0x0:
        board.hart.setPending(IRQ_MSI, (value & 1) !== 0);
        break;
      case 0x4000:
        this.cmpLo = value >>> 0;
        this.onTimerChange();
        break;
      case 0x4004:
        this.cmpHi = value >>> 0;
        this.onTimerChange();
        break;
      case 0xbff8:
      case 0xbffc: {
        const now = board.clock.mtime(board.hart.icount);
        const next = aligned === 0xbff8 ? Math.floor(now / 2 ** 32) * 2 ** 32 + (value >>> 0) : (value >>> 0) * 2 ** 32 + (now % 2 ** 32);
        board.clock.mtimeOffset += next - now;
        this.onTimerChange();
        break;
      }
    }
  }
}

function lo(v: number): number {
  return v % 2 ** 32 | 0;
}

function hi(v: number): number {
  return Math.floor(v / 2 ** 32) | 0;
}
