import type { MmioDevice } from '@hvrr/mmu';
import type { BoardContext } from './board-context.js';

export const FINISHER_BASE = 0x100000;
export const FINISHER_SIZE = 0x1000;

/** The SiFive test finisher of QEMU virt: 0x5555 pass, 0x3333 fail (code in bits 31:16), 0x7777 reset. */
export class TestFinisher implements MmioDevice {
  readonly name = 'finisher';
  constructor(private readonly board: BoardContext) {}

  read(): number {
    return 0;
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    if (offset !== 0) return;
    switch (value & 0xffff) {
      case 0x5555:
        this.board.finish({ kind: 'pass', how: 'test finisher: pass' });
        break;
      case 0x3333: {
        const code = value >>> 16;
        this.board.finish({ kind: 'fail', code: code === 0 ? 1 : code, how: `test finisher: fail with code ${code}` });
        break;
      }
      case 0x7777:
        this.board.finish({ kind: 'pass', how: 'test finisher: reset requested (hvrr ends the run)' });
        break;
    }
  }
}
