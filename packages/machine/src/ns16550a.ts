import type { MmioDevice } from '@hvrr/mmu';
import type { BoardContext } from './board-context.js';

export const UART_BASE = 0x10000000;
export const UART_SIZE = 0x100;

const LSR_DR = 0x01;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const LCR_DLAB = 0x80;

/**
 * An NS16550A UART with what polling drivers use: THR/RBR, IER, IIR/FCR, LCR, MCR,
 * LSR, MSR, SCR and the divisor latch. Transmit is instant (THR always empty);
 * receive serves the console's input bytes in order. No interrupt line (no PLIC yet).
 */
export class Ns16550a implements MmioDevice {
  readonly name = 'uart';
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private dll = 0;
  private dlm = 0;

  constructor(private readonly board: BoardContext) {}

  read(offset: number, _size: 1 | 2 | 4): number {
    const io = this.board.console;
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        if (dlab) return this.dll;
        return io.hasInput() ? io.read() & 0xff : 0;
      case 1:
        return dlab ? this.dlm : this.ier;
      case 2:
        return 0xc1; // FIFOs enabled, no interrupt pending
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        return LSR_THRE | LSR_TEMT | (io.hasInput() ? LSR_DR : 0);
      case 6:
        return 0xb0; // DCD, DSR, CTS asserted
      case 7:
        return this.scr;
      default:
        return 0;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    value &= 0xff;
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        if (dlab) this.dll = value;
        else this.board.console.write(value);
        break;
      case 1:
        if (dlab) this.dlm = value;
        else this.ier = value & 0x0f;
        break;
      case 3:
        this.lcr = value;
        break;
      case 4:
        this.mcr = value & 0x1f;
        break;
      case 7:
        this.scr = value;
        break;
    }
  }
}
