import type { Ram } from '@hvrr/mmu';

/**
 * Sv32 (and the H extension's Sv32x4 G-stage) as a debugger reads it: walks the
 * tables in RAM without checking permissions and without setting A/D bits (the MMU's
 * walker sets them, which would change the past). Addresses are non-negative numbers
 * (physical ones up to 34 bits).
 */

/** Reads a 32-bit word of a table at a physical address (null: not RAM). */
export type TableReader = (pa: number) => number | null;

export function ramReader(ram: Ram): TableReader {
  return (pa) => {
    const off = pa - ram.base;
    if (off < 0 || off + 4 > ram.size || (off & 3) !== 0) return null;
    return ram.i32[off >>> 2]!;
  };
}

const isLeaf = (pte: number) => (pte & 0xe) !== 0;

/** One Sv32 walk: `read` reads table words at (guest-)physical addresses. */
export function walkSv32View(read: TableReader, satp: number, va: number): number | null {
  if (satp >= 0) return va >>> 0; // Bare
  const l1 = read((satp & 0x3fffff) * 4096 + (va >>> 22) * 4);
  if (l1 === null || (l1 & 1) === 0) return null;
  if (isLeaf(l1)) {
    if (((l1 >>> 10) & 0x3ff) !== 0) return null; // misaligned superpage
    return (l1 >>> 20) * 0x400000 + (va & 0x3fffff);
  }
  const l0 = read((l1 >>> 10) * 4096 + ((va >>> 12) & 0x3ff) * 4);
  if (l0 === null || (l0 & 1) === 0 || !isLeaf(l0)) return null;
  return (l0 >>> 10) * 4096 + (va & 0xfff);
}

export function translateSv32(ram: Ram, satp: number, va: number): number | null {
  return walkSv32View(ramReader(ram), satp, va);
}

/** Sv32x4 G-stage (hgatp): guest-physical (up to 34 bits) to physical; the root table is 16 KiB. */
export function translateSv32x4(ram: Ram, hgatp: number, gpa: number): number | null {
  if (hgatp >= 0) return gpa; // Bare
  if (gpa >= 2 ** 34) return null;
  const read = ramReader(ram);
  const root = (hgatp & 0x3ffffc) * 4096;
  const vpn1 = Math.floor(gpa / 0x400000);
  const l1 = read(root + vpn1 * 4);
  if (l1 === null || (l1 & 1) === 0) return null;
  if (isLeaf(l1)) {
    if (((l1 >>> 10) & 0x3ff) !== 0) return null;
    return (l1 >>> 20) * 0x400000 + (gpa % 0x400000);
  }
  const l0 = read((l1 >>> 10) * 4096 + (Math.floor(gpa / 4096) & 0x3ff) * 4);
  if (l0 === null || (l0 & 1) === 0 || !isLeaf(l0)) return null;
  return (l0 >>> 10) * 4096 + (gpa % 4096);
}

/** A VS-stage walk (vsatp) whose table reads go through the G-stage (hgatp): guest-virtual to physical. */
export function translateTwoStage(ram: Ram, vsatp: number, hgatp: number, va: number): number | null {
  const direct = ramReader(ram);
  const read: TableReader = (gpa) => {
    const pa = translateSv32x4(ram, hgatp, gpa);
    return pa === null ? null : direct(pa);
  };
  const gpa = walkSv32View(read, vsatp, va);
  return gpa === null ? null : translateSv32x4(ram, hgatp, gpa);
}

export interface Mapping {
  va: number;
  /** Physical, or guest-physical for a VM's own tables. */
  pa: number;
  /** 4096 or 4 MiB. */
  size: number;
  /** "rwxugad" with '-' for bits clear. */
  flags: string;
}

/** Every valid leaf of the Sv32 tables `satp` points at, in virtual-address order. */
export function sv32Mappings(read: TableReader, satp: number): Mapping[] {
  const out: Mapping[] = [];
  if (satp >= 0) return out;
  const root = (satp & 0x3fffff) * 4096;
  for (let i = 0; i < 1024; i++) {
    const l1 = read(root + i * 4);
    if (l1 === null || (l1 & 1) === 0) continue;
    if (isLeaf(l1)) {
      out.push({ va: i * 0x400000, pa: (l1 >>> 20) * 0x400000, size: 0x400000, flags: flagsOf(l1) });
      continue;
    }
    const table = (l1 >>> 10) * 4096;
    for (let j = 0; j < 1024; j++) {
      const l0 = read(table + j * 4);
      if (l0 === null || (l0 & 1) === 0 || !isLeaf(l0)) continue;
      out.push({ va: (i * 0x400000 + j * 4096) >>> 0, pa: (l0 >>> 10) * 4096, size: 4096, flags: flagsOf(l0) });
    }
  }
  return out;
}

function flagsOf(pte: number): string {
  const names = 'rwxugad';
  let s = '';
  for (let k = 0; k < 7; k++) s += (pte >>> (k + 1)) & 1 ? names[k] : '-';
  return s;
}
