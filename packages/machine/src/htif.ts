import type { BoardContext } from './board-context.js';

const SYS_WRITE = 64;

/**
 * The Host-Target Interface of the RISC-V ISA test suites: the ELF's `tohost` and
 * `fromhost` symbols name two 64-bit words in RAM. The guest writes tohost as two
 * 32-bit stores; the host acts once both halves have been written since its last
 * action (whatever their order, since compilers choose it), then clears tohost and,
 * for requests that answer, sets fromhost.
 *
 * tohost layout: device (63:56), command (55:48), payload (47:0). Device 0 command 0:
 * an odd payload ends the run (payload >> 1 is the exit code, 0 = pass); an even one
 * points to a syscall block of eight 64-bit words (number, arguments). Device 1
 * command 1 writes the payload's low byte to the console.
 */
export class Htif {
  private wroteLow = false;
  private wroteHigh = false;

  constructor(
    private readonly board: BoardContext,
    readonly tohost: number,
    readonly fromhost: number | undefined,
    private readonly hostWrite: (pa: number, value: number) => void,
  ) {}

  /** A store touched the page holding tohost. */
  store(pa: number, size: number): void {
    if (pa < this.tohost + 4 && pa + size > this.tohost) this.wroteLow = true;
    if (pa < this.tohost + 8 && pa + size > this.tohost + 4) this.wroteHigh = true;
    if (!this.wroteLow || !this.wroteHigh) return;
    this.wroteLow = this.wroteHigh = false;
    const ram = this.board.hart.bus.ram;
    const lo = ram.i32[(this.tohost - ram.base) >>> 2] >>> 0;
    const hi = ram.i32[(this.tohost - ram.base + 4) >>> 2] >>> 0;
    if (lo === 0 && hi === 0) return;
    const device = hi >>> 24;
    const command = (hi >>> 16) & 0xff;
    const payload = (hi & 0xffff) * 2 ** 32 + lo;
    if (device === 0 && command === 0) {
      if (payload % 2 === 1) {
        const code = Math.floor(payload / 2);
        this.board.finish(code === 0 ? { kind: 'pass', how: 'HTIF exit 0' } : { kind: 'fail', code, how: `HTIF exit ${code}` });
        return;
      }
      this.syscall(payload);
      this.respond(1);
    } else if (device === 1 && command === 1) {
      this.board.console.write(payload & 0xff);
      this.respond((1 << 24) | (1 << 16), true);
    } else {
      this.respond(0);
    }
  }

  private syscall(block: number): void {
    const ram = this.board.hart.bus.ram;
    const word = (i: number) => {
      const off = block - ram.base + 8 * i;
      return off >= 0 && off + 4 <= ram.size ? ram.i32[off >>> 2] >>> 0 : 0;
    };
    const which = word(0);
    let result = -38; // ENOSYS
    if (which === SYS_WRITE) {
      const fd = word(1);
      const buf = word(2);
      const len = word(3);
      if ((fd === 1 || fd === 2) && ram.contains(buf, len)) {
        const start = buf - ram.base;
        for (let i = 0; i < len; i++) this.board.console.write(ram.u8[start + i]);
        result = len;
      } else result = -14; // EFAULT
    }
    this.hostWrite(block, result);
    this.hostWrite(block + 4, result < 0 ? -1 : 0);
  }

  private respond(fromhostLow: number, isHigh = false): void {
    this.hostWrite(this.tohost, 0);
    this.hostWrite(this.tohost + 4, 0);
    if (this.fromhost !== undefined) {
      this.hostWrite(this.fromhost, isHigh ? 0 : fromhostLow);
      this.hostWrite(this.fromhost + 4, isHigh ? fromhostLow : 0);
    }
  }
}
