/**
 * A small deterministic stand-in for the TimeMachine, for the front ends' own tests:
 * a 16-instruction loop at 0x80000000 whose 8th instruction stores the loop count to
 * DATA_ADDR. Every position's state is a function of the instruction count, so
 * forward and backward moves are exact by construction.
 */
import { encode } from '@hvrr/cpu';
import type { DebugEngine, HartView, PageMapping, RunOptions, StopConditions, StopInfo, Watchpoint } from '../engine.js';

export const CODE_BASE = 0x80000000;
export const DATA_ADDR = 0x80001000;
export const RAM_SIZE = 0x10000;
export const LOOP = 16;
/** The loop's store is its instruction number 7: position i executes a store when i % 16 === 7. */
export const STORE_SLOT = 7;

class FakeHart implements HartView {
  readonly x = new Int32Array(32);
  pc = CODE_BASE;
  priv = 3;
  readonly csr = new Int32Array(4096);
  icount = 0;
  readonly mcycle = { low: (i: number) => i | 0, high: () => 0 };
  readonly minstret = { low: (i: number) => i | 0, high: () => 0 };
  readTime(): number {
    return Math.floor(this.icount / 100);
  }
}

export class FakeEngine implements DebugEngine {
  readonly hart = new FakeHart();
  readonly ram = new Uint8Array(RAM_SIZE);
  /** Calls of continue/reverseContinue, to check that long runs are sliced. */
  slices = 0;

  constructor(readonly endIcount = 1000) {
    // The loop's code: addi t0, t0, 1 everywhere, the store slot a sw.
    for (let k = 0; k < LOOP; k++) {
      const word = k === STORE_SLOT ? encode({ mnemonic: 'sw', rs1: 0, rs2: 5, imm: 0 }) : encode({ mnemonic: 'addi', rd: 5, rs1: 5, imm: 1 });
      new DataView(this.ram.buffer).setUint32(k * 4, word >>> 0, true);
    }
    this.moveTo(0);
  }

  get icount(): number {
    return this.hart.icount;
  }

  private moveTo(i: number): void {
    const h = this.hart;
    h.icount = i;
    h.pc = CODE_BASE + 4 * (i % LOOP);
    h.x[5] = i;
    h.x[10] = i * 3;
    h.csr[0x300] = 0x1800;
    h.csr[0x341] = 0x1234;
    // Stores done before position i: positions j < i with j % 16 === 7.
    const stores = i > STORE_SLOT ? Math.floor((i - STORE_SLOT - 1) / LOOP) + 1 : 0;
    new DataView(this.ram.buffer).setUint32(DATA_ADDR - CODE_BASE, stores, true);
  }

  private stop(reason: StopInfo['reason'], extra: Partial<StopInfo> = {}): StopInfo {
    return { reason, icount: this.hart.icount, pc: this.hart.pc, ...extra };
  }

  seek(icount: number): StopInfo {
    this.moveTo(Math.max(0, Math.min(this.endIcount, icount)));
    return this.stop(icount >= this.endIcount ? 'end' : 'step');
  }

  step(n = 1): StopInfo {
    const to = this.icount + n;
    if (to >= this.endIcount) {
      this.moveTo(this.endIcount);
      return this.stop('end');
    }
    this.moveTo(to);
    return this.stop('step');
  }

  stepBack(n = 1): StopInfo {
    const to = this.icount - n;
    if (to <= 0) {
      this.moveTo(0);
      return this.stop('start');
    }
    this.moveTo(to);
    return this.stop('step');
  }

  private writesAt(j: number, watchpoints: Watchpoint[] | undefined): Watchpoint | undefined {
    if (j % LOOP !== STORE_SLOT) return undefined;
    return watchpoints?.find((w) => w.kind !== 'read' && DATA_ADDR < w.addr + w.len && w.addr < DATA_ADDR + 4);
  }

  continue(c: StopConditions, o: RunOptions = {}): StopInfo {
    this.slices++;
    const bps = new Set(c.breakpoints ?? []);
    const limit = o.limit ?? Infinity;
    for (let i = this.icount, n = 0; i < this.endIcount; i++, n++) {
      if (n >= limit) {
        this.moveTo(i);
        return this.stop('limit');
      }
      // The instruction at position i runs; a store stops after it.
      const w = this.writesAt(i, c.watchpoints);
      if (w !== undefined) {
        this.moveTo(i + 1);
        return this.stop('watchpoint', { watch: { addr: DATA_ADDR, kind: w.kind } });
      }
      if (bps.has(CODE_BASE + 4 * ((i + 1) % LOOP)) && i + 1 < this.endIcount) {
        this.moveTo(i + 1);
        return this.stop('breakpoint');
      }
    }
    this.moveTo(this.endIcount);
    return this.stop('end');
  }

  reverseContinue(c: StopConditions, o: RunOptions = {}): StopInfo {
    this.slices++;
    const bps = new Set(c.breakpoints ?? []);
    const limit = o.limit ?? Infinity;
    for (let i = this.icount - 1, n = 0; i >= 0; i--, n++) {
      if (n >= limit) {
        this.moveTo(i + 1);
        return this.stop('limit');
      }
      // Going back over the instruction at position i; a store stops before it.
      const w = this.writesAt(i, c.watchpoints);
      if (w !== undefined) {
        this.moveTo(i);
        return this.stop('watchpoint', { watch: { addr: DATA_ADDR, kind: w.kind } });
      }
      if (bps.has(CODE_BASE + 4 * (i % LOOP))) {
        this.moveTo(i);
        return this.stop('breakpoint');
      }
    }
    this.moveTo(0);
    return this.stop('start');
  }

  lastWrite(addr: number): { icount: number; pc: number } | null {
    if (addr < DATA_ADDR || addr >= DATA_ADDR + 4) return null;
    for (let j = this.icount - 1; j >= 0; j--) if (j % LOOP === STORE_SLOT) return { icount: j, pc: CODE_BASE + 4 * STORE_SLOT };
    return null;
  }

  readMemory(addr: number, len: number): Uint8Array | null {
    const off = addr - CODE_BASE;
    if (off < 0 || off + len > RAM_SIZE) return null;
    return this.ram.slice(off, off + len);
  }

  translate(va: number): number | null {
    return va >= CODE_BASE && va < CODE_BASE + RAM_SIZE ? va : null;
  }

  events(from: number, to: number): unknown[] {
    const out: unknown[] = [];
    for (let i = from; i <= to; i++) if (i % 100 === 50) out.push({ type: 'hash', icount: i, hash: `h${i}` });
    return out;
  }

  pageTable(): PageMapping[] {
    return [{ va: 0x10000, pa: 0x80010000, flags: 'rwxu-ad' }];
  }
}
