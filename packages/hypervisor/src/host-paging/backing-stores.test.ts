import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BackingStore } from './backing-store.js';
import { FileBackingStore } from './file-backing-store.js';
import { MemoryBackingStore } from './memory-backing-store.js';
import { PAGE_SIZE } from './page-size.js';
import { SlotAllocator } from './slot-allocator.js';

const scratch = mkdtempSync(join(tmpdir(), 'hvrr-backing-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function page(fill: number): Uint8Array {
  const bytes = new Uint8Array(PAGE_SIZE);
  for (let i = 0; i < PAGE_SIZE; i++) bytes[i] = (fill * 31 + i) & 0xff;
  return bytes;
}

type Open = (options?: { inject?: (op: string) => string | undefined; maxSlots?: number }) => BackingStore;
const stores: [string, Open][] = [
  ['memory', (options) => new MemoryBackingStore(options)],
  ['file', (options) => new FileBackingStore(join(scratch, 'store'), options)],
];

describe.each(stores)('%s backing store', (_name, open) => {
  it('reads back what each slot last had written, across many slots (past one memory chunk)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(299), fc.nat(255)), { minLength: 1, maxLength: 60 }), (writes) => {
        const store = open();
        const slots = new Map<number, number>();
        const last = new Map<number, number>();
        for (const [which, fill] of writes) {
          let slot = slots.get(which);
          if (slot === undefined) {
            const allocated = store.allocate();
            expect(allocated.ok).toBe(true);
            slot = allocated.ok ? allocated.slot : -1;
            slots.set(which, slot);
          }
          const result = store.write(slot, page(fill));
          expect(result.ok).toBe(true);
          expect(result.measuredNs).toBeGreaterThanOrEqual(0);
          last.set(slot, fill);
        }
        const into = new Uint8Array(PAGE_SIZE);
        for (const [slot, fill] of last) {
          expect(store.read(slot, into).ok).toBe(true);
          expect(Buffer.from(into).equals(Buffer.from(page(fill)))).toBe(true);
        }
        expect(store.slotsInUse).toBe(slots.size);
        store.close();
      }),
      { numRuns: 25 },
    );
  });

  it('fails injected operations without touching the slot, and reports ENOSPC past maxSlots', () => {
    let fail: string | undefined = 'EIO';
    const injected = open({ inject: () => fail, maxSlots: 1 });
    expect(injected.allocate()).toEqual({ ok: false, error: 'EIO' });
    fail = undefined;
    expect(injected.allocate()).toEqual({ ok: true, slot: 0 });
    expect(injected.allocate()).toEqual({ ok: false, error: 'ENOSPC' });
    expect(injected.write(0, page(5)).ok).toBe(true);
    fail = 'EIO';
    expect(injected.write(0, page(6))).toEqual({ ok: false, error: 'EIO', measuredNs: 0 });
    expect(injected.read(0, new Uint8Array(PAGE_SIZE))).toEqual({ ok: false, error: 'EIO', measuredNs: 0 });
    fail = undefined;
    const into = new Uint8Array(PAGE_SIZE);
    expect(injected.read(0, into).ok).toBe(true);
    expect(into).toEqual(page(5));
    injected.close();
  });
});

describe('FileBackingStore', () => {
  it('really writes page-sized records at slot × 4096 in the file', () => {
    const path = join(scratch, 'layout');
    const store = new FileBackingStore(path);
    const slots = [store.allocate(), store.allocate(), store.allocate()].map((r) => (r.ok ? r.slot : -1));
    expect(slots).toEqual([0, 1, 2]);
    store.write(2, page(2));
    store.write(0, page(9));
    store.close();
    const bytes = readFileSync(path);
    expect(statSync(path).size).toBe(3 * PAGE_SIZE);
    expect(bytes.subarray(0, PAGE_SIZE)).toEqual(Buffer.from(page(9)));
    expect(bytes.subarray(2 * PAGE_SIZE)).toEqual(Buffer.from(page(2)));
  });

  it('reports OS errors as failed results instead of throwing (a short read is EIO)', () => {
    const store = new FileBackingStore(join(scratch, 'short'));
    const slot = store.allocate();
    expect(slot.ok).toBe(true);
    // Slot 0 was never written: the file is empty, so the read comes back short.
    expect(store.read(0, new Uint8Array(PAGE_SIZE))).toMatchObject({ ok: false, error: 'EIO' });
    store.close();
    // A closed descriptor makes the OS refuse the transfer.
    expect(store.write(0, page(1))).toMatchObject({ ok: false, error: 'EBADF' });
  });

  it('refuses a path that is not a regular file (a directory, a device)', () => {
    expect(() => new FileBackingStore(scratch)).toThrow(/not a regular file/);
  });

  it('with sync (O_DSYNC) still round-trips', () => {
    const store = new FileBackingStore(join(scratch, 'sync'), { sync: true });
    const slot = store.allocate();
    expect(slot.ok && store.write(slot.slot, page(3)).ok).toBe(true);
    const into = new Uint8Array(PAGE_SIZE);
    expect(slot.ok && store.read(slot.slot, into).ok).toBe(true);
    expect(into).toEqual(page(3));
    store.close();
  });
});

describe('SlotAllocator', () => {
  it('reuses freed slots last-freed-first and rejects double frees', () => {
    const slots = new SlotAllocator(3);
    expect([slots.allocate(), slots.allocate(), slots.allocate(), slots.allocate()]).toEqual([0, 1, 2, -1]);
    slots.free(1);
    slots.free(0);
    expect(() => slots.free(0)).toThrow(/not allocated/);
    expect(() => slots.free(7)).toThrow(/not allocated/);
    expect([slots.allocate(), slots.allocate(), slots.allocate()]).toEqual([0, 1, -1]);
    expect(slots.inUse).toBe(3);
    expect(slots.highWater).toBe(3);
  });
});
