// Shadow tables: two views over one arena, the reverse map that finds every mapping of a
// guest page, and the D bits the hart leaves in shadow leaves, which must reach host
// paging whichever way a leaf goes away.
import { describe, expect, it } from 'vitest';
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, Ram } from '@hvrr/mmu';
import { ShadowTables, VIEW_KERNEL, VIEW_USER } from './shadow-tables.js';

const BASE = 0x80000000;
const FRAME = 0x80010000;
const LEAF = PTE_V | PTE_U | PTE_R | PTE_W;

function setup(pages = 6) {
  const ram = new Ram(BASE, 128 * 1024);
  const dirty: number[] = [];
  const arena = Array.from({ length: pages }, (_, i) => BASE + i * 4096);
  const tables = new ShadowTables(ram, arena, (pa) => dirty.push(pa));
  /** What the hart does on a store through the leaf: sets A and D in it. */
  const store = (view: 0 | 1, va: number) => {
    const table = (ram.i32[(tables.roots[view] - BASE + (va >>> 22) * 4) >>> 2]! >>> 10) * 4096;
    ram.i32[(table - BASE + ((va >>> 12) & 0x3ff) * 4) >>> 2]! |= PTE_A | PTE_D;
  };
  return { ram, tables, dirty, store };
}

describe('ShadowTables', () => {
  it('maps a page in one view only, with the satp of that view', () => {
    const { tables } = setup();
    tables.map(VIEW_USER, 0x00012000, 0x80010, FRAME, LEAF);
    expect(tables.leaf(VIEW_USER, 0x00012abc) >>> 10).toBe(FRAME >>> 12);
    expect(tables.leaf(VIEW_KERNEL, 0x00012000)).toBe(0);
    expect(tables.satp(VIEW_KERNEL) >>> 0).toBe((0x80000000 | (BASE >>> 12)) >>> 0);
    tables.unmapPage(0x00012000);
    expect(tables.leaf(VIEW_USER, 0x00012000)).toBe(0);
  });

  it('finds every mapping of a guest page: write-protects them, or unmaps them and says whether one was written', () => {
    const { tables, store } = setup();
    tables.map(VIEW_KERNEL, 0x80010000, 0x80010, FRAME, LEAF);
    tables.map(VIEW_USER, 0x00400000, 0x80010, FRAME, LEAF);
    expect(tables.unmapGuestPage(0x80010, FRAME, true, PTE_W)).toBe(false);
    expect(tables.leaf(VIEW_KERNEL, 0x80010000) & PTE_W).toBe(0);
    expect(tables.leaf(VIEW_USER, 0x00400000) & PTE_R).toBe(PTE_R);
    store(VIEW_USER, 0x00400000);
    expect(tables.testAndClearAccessed(0x80010, FRAME)).toBe(true);
    expect(tables.testAndClearAccessed(0x80010, FRAME)).toBe(false);
    expect(tables.unmapGuestPage(0x80010, FRAME, false, PTE_W)).toBe(true);
    expect(tables.leaf(VIEW_KERNEL, 0x80010000)).toBe(0);
    expect(tables.leaf(VIEW_USER, 0x00400000)).toBe(0);
  });

  it('reports the D bits of leaves it drops (a region, a view, everything, a full arena)', () => {
    const { tables, dirty, store } = setup(4);
    tables.map(VIEW_USER, 0x00012000, 0x80010, FRAME, LEAF);
    store(VIEW_USER, 0x00012000);
    tables.unmapRegion(0);
    expect(dirty).toEqual([FRAME]);
    tables.map(VIEW_KERNEL, 0x80010000, 0x80010, FRAME + 4096, LEAF);
    store(VIEW_KERNEL, 0x80010000);
    tables.dropView(VIEW_KERNEL);
    expect(dirty).toEqual([FRAME, FRAME + 4096]);
    // Two roots and two tables, both in use: a third 4 MiB region drops everything first.
    const before = tables.flushes;
    tables.map(VIEW_USER, 0x00800000, 0x80011, FRAME + 8192, LEAF);
    expect(tables.flushes).toBe(before + 1);
    store(VIEW_USER, 0x00800000);
    tables.map(VIEW_USER, 0x00c00000, 0x80012, FRAME, LEAF);
    tables.map(VIEW_USER, 0x01000000, 0x80012, FRAME, LEAF);
    expect(tables.flushes).toBe(before + 2);
    expect(dirty).toEqual([FRAME, FRAME + 4096, FRAME + 8192]);
    expect(tables.leaf(VIEW_USER, 0x00800000)).toBe(0);
    expect(tables.leaf(VIEW_USER, 0x01000000) >>> 10).toBe(FRAME >>> 12);
  });
});
