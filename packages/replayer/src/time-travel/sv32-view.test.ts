import { describe, it, expect } from 'vitest';
import { Ram } from '@hvrr/mmu';
import { ramReader, sv32Mappings, translateSv32, translateSv32x4, translateTwoStage } from './sv32-view.js';

const BASE = 0x80000000;
const V = 1, R = 2, W = 4, X = 8, A = 64, D = 128;

function ramWith(entries: [number, number][]): Ram {
  const ram = new Ram(BASE, 4 << 20);
  for (const [pa, v] of entries) ram.i32[(pa - BASE) >>> 2] = v;
  return ram;
}

describe('Sv32 as the debugger reads it', () => {
  // Root at page 0x80001, a level-0 table at 0x80002; va 0x00400000 -> pa 0x80005000; 4 MiB page at va 0xc0000000 -> 0x80000000.
  const root = 0x80001000;
  const table = 0x80002000;
  const ram = ramWith([
    [root + 1 * 4, ((table >>> 12) << 10) | V],
    [table + 0 * 4, ((0x80005000 >>> 12) << 10) | V | R | W],
    [root + (0xc0000000 >>> 22) * 4, ((0x80000000 >>> 12) << 10) | V | R | X | A | D],
  ]);
  const satp = (1 << 31) | (root >>> 12);

  it('translates 4 KiB and 4 MiB pages and leaves A/D alone', () => {
    expect(translateSv32(ram, satp, 0x00400abc)).toBe(0x80005abc);
    expect(translateSv32(ram, satp, 0xc0123456)).toBe(0x80123456);
    expect(translateSv32(ram, satp, 0x00401000)).toBeNull();
    expect(translateSv32(ram, 0, 0x1234)).toBe(0x1234);
    expect(ram.i32[(table - BASE) >>> 2]! & A).toBe(0);
  });

  it('lists the mappings with their flags', () => {
    const m = sv32Mappings(ramReader(ram), satp);
    expect(m).toEqual([
      { va: 0x00400000, pa: 0x80005000, size: 4096, flags: 'rw-----' },
      { va: 0xc0000000, pa: 0x80000000, size: 0x400000, flags: 'r-x--ad' },
    ]);
  });

  it('walks two stages: vsatp tables are guest-physical, mapped by hgatp', () => {
    // G-stage: root (16 KiB) at 0x80010000 maps guest-physical 0..4 MiB to 0x80000000 with one superpage.
    const groot = 0x80010000;
    const r2 = ramWith([
      [groot + 0, ((0x80000000 >>> 12) << 10) | V | R | W | X],
      // VS-stage root at guest-physical 0x1000 (= 0x80001000): va 0x00000000 4 MiB -> gpa 0x0.
      [0x80001000, (0 << 10) | V | R | W],
    ]);
    const hgatp = (1 << 31) | (groot >>> 12);
    const vsatp = (1 << 31) | 0x1;
    expect(translateSv32x4(r2, hgatp, 0x2345)).toBe(0x80002345);
    expect(translateTwoStage(r2, vsatp, hgatp, 0x00012345)).toBe(0x80012345);
  });
});
