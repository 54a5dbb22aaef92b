import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CopyOnWriteBackingStore } from './copy-on-write-backing-store.js';
import { RamFrameMemory } from './frame-memory.js';
import { HostPager, type HostPagerState } from './host-pager.js';
import type { CopyOnWriteStoreState } from './copy-on-write-backing-store.js';
import { createLatencyModel } from './latency-model.js';
import { PAGE_SIZE } from './page-size.js';
import { PagingReplay } from './paging-replay.js';
import { POLICY_NAMES, parsePolicy } from './replacement-policy.js';

const FRAMES = 8;

interface Access {
  vm: number;
  gpn: number;
  write: boolean;
  offset: number;
  value: number;
}

/**
 * A pager over a small pool whose host holds no state of its own (the pager's `mapped`
 * flag stands for the mapping), so a snapshot is the pager's state plus the frames' bytes.
 * Writes to slots 3, 10, 17... fail (a stateless injector), so failed write-backs happen.
 */
function pagerUnder(policy: string) {
  const ram = new Uint8Array(FRAMES * PAGE_SIZE);
  const backing = new CopyOnWriteBackingStore({ inject: (op, slot) => (op === 'write' && slot % 7 === 3 ? 'EIO' : undefined) });
  const pager = new HostPager({
    frames: FRAMES,
    policy: parsePolicy(policy),
    backing,
    latency: createLatencyModel('floppy'),
    memory: new RamFrameMemory(ram, 0, FRAMES),
    host: { unmap: () => ({ dirty: false }), testAndClearAccessed: (_vm, gpn) => gpn % 3 === 0 },
  });
  /** Runs accesses; returns what each saw (fault outcome, the byte read or written). */
  const run = (accesses: Access[]): unknown[] =>
    accesses.map(({ vm, gpn, write, offset, value }) => {
      let fault: unknown = 'hit';
      if (!pager.isMapped(vm, gpn)) {
        const r = pager.fault(vm, gpn, write);
        fault = r.ok ? { frame: r.frame, kind: r.kind, ns: r.latencyNs, evicted: r.evicted ?? null, failures: r.writeFailures.length } : { failed: r.message };
        if (!r.ok) return fault;
      } else {
        pager.touch(vm, gpn);
        if (write) pager.markDirty(vm, gpn);
      }
      const at = pager.frameOf(vm, gpn) * PAGE_SIZE + offset;
      if (write) ram[at] = value;
      return [fault, ram[at]];
    });
  return { pager, ram, run };
}

/** The pager's state with each backing page as a digest (deep-comparing pages byte by byte is slow). */
function comparable(s: HostPagerState): unknown {
  const backing = s.backing as CopyOnWriteStoreState;
  const pages = backing.pages.map((p) => (p === undefined ? null : createHash('sha1').update(p).digest('hex')));
  return { ...s, backing: { slots: backing.slots, pages } };
}

const access = fc.record({
  vm: fc.integer({ min: 0, max: 1 }),
  gpn: fc.integer({ min: 0, max: 20 }),
  write: fc.boolean(),
  // A few offsets, so that reads see earlier writes.
  offset: fc.integer({ min: 0, max: 3 }),
  value: fc.integer({ min: 1, max: 255 }),
});

describe('host pager snapshots', () => {
  it.each(POLICY_NAMES.map((name) => (name === 'random' ? 'random:9' : name)))(
    '%s: restoring a snapshot and running the same accesses again gives the same results and state, twice',
    (policy) => {
      fc.assert(
        fc.property(fc.array(access, { minLength: 20, maxLength: 120, size: 'max' }), fc.array(access, { minLength: 20, maxLength: 120, size: 'max' }), (before, after) => {
          const { pager, ram, run } = pagerUnder(policy);
          run(before);
          const saved = { pager: pager.saveState(), ram: ram.slice() };
          const first = run(after);
          const end = comparable(pager.saveState());
          for (let again = 0; again < 2; again++) {
            pager.restoreState(saved.pager);
            ram.set(saved.ram);
            expect(run(after)).toEqual(first);
            expect(comparable(pager.saveState())).toEqual(end);
          }
        }),
        { numRuns: 30, endOnFailure: true },
      );
    },
  );

  it('the copy-on-write store keeps a snapshot\'s contents through later writes and restores', () => {
    const store = new CopyOnWriteBackingStore();
    const page = (v: number) => new Uint8Array(PAGE_SIZE).fill(v);
    const read = (slot: number) => {
      const into = new Uint8Array(PAGE_SIZE);
      store.read(slot, into);
      return into[0];
    };
    const a = store.allocate();
    const b = store.allocate();
    if (!a.ok || !b.ok) throw new Error('no slots');
    store.write(a.slot, page(1));
    store.write(b.slot, page(2));
    const s1 = store.saveState();
    store.write(a.slot, page(3));
    store.write(a.slot, page(4));
    store.free(b.slot);
    const c = store.allocate();
    expect(c).toEqual({ ok: true, slot: b.slot });
    store.write(b.slot, page(5));
    expect([read(a.slot), read(b.slot), store.slotsInUse]).toEqual([4, 5, 2]);
    store.restoreState(s1);
    expect([read(a.slot), read(b.slot), store.slotsInUse]).toEqual([1, 2, 2]);
    store.write(a.slot, page(6));
    store.restoreState(s1);
    expect(read(a.slot)).toBe(1);
  });

  it('a paging replay goes back to a saved input position', () => {
    const replay = new PagingReplay([
      { op: 'write', ok: false, error: 'EIO', costNs: 5 },
      { op: 'read', ok: true, costNs: 7 },
    ]);
    expect(replay.inject('write', 0)).toBe('EIO');
    expect(replay.latency.costNs('write', 0)).toBe(5);
    const at = replay.consumed;
    expect(replay.latency.costNs('read', 0)).toBe(7);
    replay.seek(at);
    expect(replay.inject('read', 0)).toBeUndefined();
    expect(replay.latency.costNs('read', 0)).toBe(7);
    replay.seek(0);
    expect(replay.latency.costNs('write', 0)).toBe(5);
  });
});
