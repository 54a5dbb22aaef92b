import { describe, it, expect } from 'vitest';
import { Ram } from '@hvrr/mmu';
import { PageStore } from './page-store.js';

function fresh(pages = 8): { ram: Ram; store: PageStore } {
  const ram = new Ram(0x80000000, pages * 4096);
  return { ram, store: new PageStore(ram) };
}

function write(ram: Ram, page: number, byte: number): void {
  ram.u8.fill(byte, page * 4096, page * 4096 + 4096);
  ram.dirty[page] = 1;
}

describe('PageStore', () => {
  it('stores only non-zero pages at the start and finds them', () => {
    const { ram, store } = fresh();
    ram.u8[3 * 4096 + 17] = 5;
    expect(store.nonZeroPages()).toEqual([3]);
    const ids = store.start([3]);
    expect(store.bytes).toBe(4096);
    expect(store.page(ids, 3)![17]).toBe(5);
    expect(store.page(ids, 0)).toBeNull();
  });

  it('captures only written pages and restores any earlier RAM exactly', () => {
    const { ram, store } = fresh();
    const s0 = store.start([]);
    write(ram, 1, 0xaa);
    const s1 = store.capture();
    ram.dirty.fill(0);
    write(ram, 2, 0xbb);
    write(ram, 1, 0xcc);
    const s2 = store.capture();
    ram.dirty.fill(0);
    expect(store.bytes).toBe(3 * 4096);
    write(ram, 5, 0xdd); // written after the last capture: a restore must undo it
    const changed: number[] = [];
    store.restore(s1, (p) => changed.push(p));
    ram.dirty.fill(0);
    expect(changed.sort()).toEqual([1, 2, 5]);
    expect(ram.u8[4096]).toBe(0xaa);
    expect(ram.u8[2 * 4096]).toBe(0);
    expect(ram.u8[5 * 4096]).toBe(0);
    store.restore(s2, () => {});
    ram.dirty.fill(0);
    expect(ram.u8[4096]).toBe(0xcc);
    expect(ram.u8[2 * 4096]).toBe(0xbb);
    store.restore(s0, () => {});
    expect(ram.u8.every((b) => b === 0)).toBe(true);
  });

  it('keeps one copy of a page written back to what it held, and frees pages nobody refers to', () => {
    const { ram, store } = fresh();
    store.start([]);
    write(ram, 1, 7);
    const a = store.capture();
    ram.dirty.fill(0);
    write(ram, 1, 7);
    const b = store.capture();
    ram.dirty.fill(0);
    expect(b[1]).toBe(a[1]);
    expect(store.bytes).toBe(4096);
    write(ram, 1, 9);
    const c = store.capture();
    ram.dirty.fill(0);
    expect(store.bytes).toBe(2 * 4096);
    store.release(a);
    store.release(b);
    // Nothing refers to the 7-page any more (the live RAM holds the 9-page).
    expect(store.bytes).toBe(4096);
    store.release(c);
    expect(store.bytes).toBe(4096); // live RAM still refers to it
  });

  it('derives a snapshot from recorded pages on top of another', () => {
    const { store } = fresh();
    const base = store.start([]);
    const data = new Uint8Array(2 * 4096);
    data.fill(3, 0, 4096);
    const ids = store.derive(base, [4, 6], data);
    expect(store.page(ids, 4)![0]).toBe(3);
    expect(store.page(ids, 6)).toBeNull(); // an all-zero page is the zero page
    store.release(ids);
    expect(store.bytes).toBe(0);
  });
});
