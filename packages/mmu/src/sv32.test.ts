// walkSv32 against the translation algorithm of the privileged spec 1.12 (section
// 4.3.2), written here step by step: fast-check builds random two-level page tables,
// virtual addresses, privileges and SUM/MXR settings, and both must agree on the
// physical address or the fault, and on the A/D bits left in memory.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PhysicalBus } from './physical-bus.js';
import { Ram } from './ram.js';
import {
  ACCESS_FETCH,
  ACCESS_LOAD,
  ACCESS_STORE,
  PTE_A,
  PTE_D,
  PTE_R,
  PTE_U,
  PTE_V,
  PTE_W,
  PTE_X,
  WALK_ACCESS_FAULT,
  WALK_PAGE_FAULT,
  walkSv32,
  type AccessType,
} from './sv32.js';

const RAM_BASE = 0x80000000;
const RAM_SIZE = 16 * 1024;
const ROOT = 0x80000000;
const L0 = 0x80001000;
const SATP = (0x80000000 | (ROOT / 4096)) >>> 0;

interface Context {
  priv: number;
  sum: boolean;
  mxr: boolean;
}

/**
 * The spec's algorithm over a copy of RAM (Uint32 words from RAM_BASE). Returns the
 * physical address or a fault, and updates `mem` as the walk would (A and D).
 */
function referenceWalk(mem: Uint32Array, satp: number, va: number, access: AccessType, ctx: Context): number {
  const read = (pa: number): number | undefined => (pa >= RAM_BASE && pa + 4 <= RAM_BASE + RAM_SIZE ? mem[(pa - RAM_BASE) / 4] : undefined);
  // 1. a = satp.ppn x PAGESIZE, i = LEVELS - 1.
  let a = (satp & 0x3fffff) * 4096;
  let i = 1;
  for (;;) {
    // 2. pte = the PTE at a + va.vpn[i] x PTESIZE; a PMA violation is an access fault.
    const vpn = i === 1 ? Math.floor(va / 2 ** 22) : Math.floor(va / 4096) % 1024;
    const pteAddr = a + vpn * 4;
    const pte = read(pteAddr);
    if (pte === undefined) return WALK_ACCESS_FAULT;
    const v = pte & 1, r = (pte >> 1) & 1, w = (pte >> 2) & 1, x = (pte >> 3) & 1, u = (pte >> 4) & 1;
    // 3. Invalid, or writable without readable: page fault.
    if (v === 0 || (r === 0 && w === 1)) return WALK_PAGE_FAULT;
    // 4. Not a leaf: next level, or a page fault below level 0.
    if (r === 0 && x === 0) {
      i -= 1;
      if (i < 0) return WALK_PAGE_FAULT;
      a = Math.floor(pte / 1024) * 4096;
      continue;
    }
    // 5. Leaf: permissions for the access, the privilege, SUM and MXR.
    if (ctx.priv === 0 && u === 0) return WALK_PAGE_FAULT;
    if (ctx.priv === 1 && u === 1 && (access === ACCESS_FETCH || !ctx.sum)) return WALK_PAGE_FAULT;
    if (access === ACCESS_FETCH && x === 0) return WALK_PAGE_FAULT;
    if (access === ACCESS_LOAD && r === 0 && !(ctx.mxr && x === 1)) return WALK_PAGE_FAULT;
    if (access === ACCESS_STORE && w === 0) return WALK_PAGE_FAULT;
    const ppn = Math.floor(pte / 1024);
    // 6. A superpage whose PPN[0] is not zero is misaligned: page fault.
    if (i === 1 && ppn % 1024 !== 0) return WALK_PAGE_FAULT;
    // 7. A (and D for a store) set by the walk, as hvrr does (and QEMU).
    const need = access === ACCESS_STORE ? PTE_A | PTE_D : PTE_A;
    if ((pte & need) !== need) mem[(pteAddr - RAM_BASE) / 4] = (pte | need) >>> 0;
    // 8. The physical address: superpages take PPN[0] from VPN[0].
    const pagePpn = i === 1 ? ppn + (Math.floor(va / 4096) % 1024) : ppn;
    return pagePpn * 4096 + (va % 4096);
  }
}

const ppnArb = fc.oneof(
  fc.integer({ min: 0, max: 0x3fffff }),
  fc.constantFrom(0x80000, 0x80001, 0x80002, 0x80400, 0x80401, 0x200000, 0x3ffc00),
);
const flagsArb = fc.oneof(fc.integer({ min: 0, max: 0x3ff }), fc.constantFrom(PTE_V, PTE_V | PTE_R, PTE_V | PTE_R | PTE_W, PTE_V | PTE_X, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U));
const pteArb = fc.tuple(ppnArb, flagsArb).map(([ppn, flags]) => (ppn * 1024 + flags) >>> 0);
const pointerToL0 = fc.constant((0x80001 * 1024 + PTE_V) >>> 0);

describe('walkSv32 against the spec algorithm', () => {
  it('agrees on the physical address or the fault, and on the A/D bits written', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.oneof(pointerToL0, pteArb),
        pteArb,
        fc.constantFrom<AccessType>(ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE),
        fc.record({ priv: fc.constantFrom(0, 1), sum: fc.boolean(), mxr: fc.boolean() }),
        (va, rootPte, leafPte, access, ctx) => {
          const ram = new Ram(RAM_BASE, RAM_SIZE);
          const bus = new PhysicalBus(ram);
          const words = new Uint32Array(ram.i32.buffer);
          words[Math.floor(va / 2 ** 22)] = rootPte;
          words[1024 + (Math.floor(va / 4096) % 1024)] = leafPte;
          const words0 = Uint32Array.from(words);
          const expectedMem = Uint32Array.from(words);
          const expected = referenceWalk(expectedMem, SATP, va, access, ctx);
          const got = walkSv32(bus, SATP, va, access, { ...ctx });
          expect(got).toBe(expected);
          const changed = (m: Uint32Array) => [...m.keys()].filter((k) => m[k] !== words0[k]).map((k) => [k, m[k]]);
          expect(changed(new Uint32Array(ram.i32.buffer))).toEqual(changed(expectedMem));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('translates a 4 KiB page and a 4 MiB superpage', () => {
    const ram = new Ram(RAM_BASE, RAM_SIZE);
    const bus = new PhysicalBus(ram);
    ram.i32[0x100] = (L0 / 4096) * 1024 + PTE_V;
    ram.i32[1024 + 5] = 0x12345 * 1024 + (PTE_V | PTE_R | PTE_A);
    ram.i32[0x101] = (0x80400000 / 4096) * 1024 + (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    const ctx = { priv: 1, sum: false, mxr: false };
    expect(walkSv32(bus, SATP, 0x40005678, ACCESS_LOAD, ctx)).toBe(0x12345678);
    expect(walkSv32(bus, SATP, 0x40512345, ACCESS_STORE, ctx)).toBe(0x80512345);
    // A PPN of 22 bits reaches above 4 GiB.
    ram.i32[1024 + 6] = (0x3fffff * 1024 + (PTE_V | PTE_R | PTE_A)) | 0;
    expect(walkSv32(bus, SATP, 0x40006abc, ACCESS_LOAD, ctx)).toBe(0x3fffff * 4096 + 0xabc);
  });

  it('sets A without D for loads and fetches, A and D for stores', () => {
    const ram = new Ram(RAM_BASE, RAM_SIZE);
    const bus = new PhysicalBus(ram);
    ram.i32[0x100] = (L0 / 4096) * 1024 + PTE_V;
    const leaf = 0x80008 * 1024 + (PTE_V | PTE_R | PTE_W | PTE_X);
    ram.i32[1024] = leaf;
    const ctx = { priv: 1, sum: false, mxr: false };
    walkSv32(bus, SATP, 0x40000000, ACCESS_FETCH, ctx);
    expect(ram.i32[1024]! >>> 0).toBe((leaf | PTE_A) >>> 0);
    walkSv32(bus, SATP, 0x40000000, ACCESS_STORE, ctx);
    expect(ram.i32[1024]! >>> 0).toBe((leaf | PTE_A | PTE_D) >>> 0);
    // A fault writes nothing.
    ram.i32[1024 + 1] = 0x80008 * 1024 + (PTE_V | PTE_R);
    walkSv32(bus, SATP, 0x40001000, ACCESS_STORE, ctx);
    expect(ram.i32[1024 + 1]! >>> 0).toBe(0x80008 * 1024 + (PTE_V | PTE_R));
  });
});
