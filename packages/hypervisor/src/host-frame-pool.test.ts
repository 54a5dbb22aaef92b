import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ram } from '@hvrr/mmu';
import { HostFramePool, HostPagingError, type FrameOwner, type PoolFault } from './host-frame-pool.js';
import { parseHostPaging, type PagingInput } from './host-paging/index.js';

const BASE = 0x80000000;

/** A strategy stand-in: remembers which pages it has mapped, and what evict asked. */
class FakeOwner implements FrameOwner {
  readonly mapped = new Set<number>();
  readonly evicted: number[] = [];
  evict(gpn: number): { dirty: boolean } {
    this.evicted.push(gpn);
    this.mapped.delete(gpn);
    return { dirty: false };
  }
}

function pagedPool(frames: number, options: { replay?: readonly PagingInput[]; inject?: (op: string) => string | undefined } = {}) {
  const ram = new Ram(BASE, 1024 * 1024);
  const pool = new HostFramePool(BASE + 4096, frames, { config: parseHostPaging({ hostMem: frames * 4096, policy: 'fifo', latency: 'floppy' }), ...options });
  const written: number[] = [];
  pool.connect(ram, (pa) => written.push(pa));
  const owner = new FakeOwner();
  pool.register(0, owner);
  const faults: PoolFault[] = [];
  pool.onFault = (f) => faults.push(f);
  /** A host store of one byte into guest page gpn (write intent), and a host load. */
  const store = (gpn: number, value: number) => {
    const pa = pool.frameFor(0, gpn, true);
    owner.mapped.add(gpn);
    ram.u8[pa - BASE] = value;
  };
  const load = (gpn: number) => {
    const pa = pool.frameFor(0, gpn, false);
    owner.mapped.add(gpn);
    return ram.u8[pa - BASE]!;
  };
  return { ram, pool, owner, faults, store, load, written };
}

describe('HostFramePool without host paging', () => {
  it('hands out frames in address order on first touch and the same frame afterwards', () => {
    const pool = new HostFramePool(BASE, 4);
    const faults: PoolFault[] = [];
    pool.onFault = (f) => faults.push(f);
    expect(pool.frameFor(0, 0x80010, false)).toBe(BASE);
    expect(pool.frameFor(1, 0x80010, true)).toBe(BASE + 4096);
    expect(pool.frameFor(0, 0x80010, true)).toBe(BASE);
    expect(pool.residentFrame(1, 0x80010)).toBe(BASE + 4096);
    expect(pool.residentFrame(1, 0x80011)).toBe(-1);
    expect(faults.map((f) => [f.vm, f.kind, f.result])).toEqual([[0, 'minor', null], [1, 'minor', null]]);
    expect(pool.used).toBe(2);
  });

  it('runs out with a HostPagingError, and snapshots keep the map', () => {
    const pool = new HostFramePool(BASE, 1);
    pool.frameFor(0, 5, false);
    expect(() => pool.frameFor(0, 6, false)).toThrow(HostPagingError);
    const saved = pool.saveState();
    const other = new HostFramePool(BASE, 1);
    other.restoreState(saved);
    expect(other.residentFrame(0, 5)).toBe(BASE);
    expect(other.used).toBe(1);
  });
});

describe('HostFramePool with host paging', () => {
  it('evicts through the owning strategy and brings pages back with their data (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.boolean(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 200 }), (ops) => {
        const p = pagedPool(8);
        const model = new Map<number, number>();
        for (const [gpn, write, value] of ops) {
          if (write) {
            p.store(gpn, value);
            model.set(gpn, value);
          } else expect(p.load(gpn)).toBe(model.get(gpn) ?? 0);
          expect(p.pool.hostPager!.totals().residentPages).toBeLessThanOrEqual(8);
        }
        // Every eviction went through the strategy; what it evicted it no longer maps.
        for (const gpn of p.owner.evicted) if (p.pool.residentFrame(0, gpn) < 0) expect(p.owner.mapped.has(gpn)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('a host write marked with markDirty is written back even though the mapping reports clean', () => {
    const p = pagedPool(8);
    const pa = p.pool.frameFor(0, 1, false);
    p.ram.u8[pa - BASE] = 0x5a;
    p.pool.markDirty(0, 1);
    for (let gpn = 2; gpn < 12; gpn++) p.load(gpn); // push page 1 out
    expect(p.pool.residentFrame(0, 1)).toBe(-1);
    expect(p.load(1)).toBe(0x5a);
    expect(p.faults.at(-1)!.kind).toBe('major');
  });

  it('reports every fault with its result; failures of the store stop with HostPagingError', () => {
    let fail = false;
    const p = pagedPool(8, { inject: (op) => (fail && op === 'write' ? 'EIO' : undefined) });
    for (let gpn = 0; gpn < 8; gpn++) p.store(gpn, gpn + 1);
    fail = true;
    expect(() => p.pool.frameFor(0, 20, false)).toThrow(/no machine frame could be freed for vm0 page 0x14: 8 write-back\(s\) failed/);
    const last = p.faults.at(-1)!;
    expect(last.result!.ok).toBe(false);
    fail = false;
    // Nothing was lost: every page still reads back.
    for (let gpn = 0; gpn < 8; gpn++) expect(p.load(gpn)).toBe(gpn + 1);
  });

  it('replay serves recorded costs and failures instead of the latency model and the store', () => {
    const recorded: PagingInput[] = [];
    const rec = pagedPool(8);
    rec.pool.onFault = (f) => recorded.push(...(f.result === null ? [] : f.result.ops.map((o) => ({ op: o.op, ok: o.ok, costNs: o.costNs * 2 }))));
    for (let gpn = 0; gpn < 12; gpn++) rec.store(gpn, gpn);
    const replay = pagedPool(8, { replay: recorded });
    for (let gpn = 0; gpn < 12; gpn++) replay.store(gpn, gpn);
    const costs = replay.faults.filter((f) => f.result!.latencyNs > 0).map((f) => f.result!.latencyNs);
    expect(costs.length).toBeGreaterThan(0);
    expect(costs.every((ns) => ns === 500_000_000)).toBe(true); // the recorded (doubled) cost, not floppy's 250 ms
    expect(() => replay.pool.frameFor(0, 100, false)).toThrow(/host paging replay: replay needs backing write/);
  });

  it('refuses anonymous frames, and restores of a recording pool\'s snapshots (its store is not kept)', () => {
    const p = pagedPool(8);
    expect(() => p.pool.alloc()).toThrow(/every frame belongs to the host pager/);
    expect(() => p.pool.restoreState(p.pool.saveState())).toThrow(/does not hold the pager's state.*cannot be restored/);
  });

  it('a replaying pool\'s snapshot (with host RAM) brings back pages, backing contents and the recorded-input position', () => {
    const recorded: PagingInput[] = [];
    const rec = pagedPool(8);
    rec.pool.onFault = (f) => recorded.push(...(f.result === null ? [] : f.result.ops.map((o) => ({ op: o.op, ok: o.ok, costNs: o.costNs }))));
    const script = (q: ReturnType<typeof pagedPool>, from: number, to: number) => {
      const seen: number[] = [];
      for (let i = from; i < to; i++) {
        q.store(i % 13, (i * 7) & 0xff);
        seen.push(q.load((i * 5) % 13));
      }
      return seen;
    };
    const whole = script(rec, 0, 60);
    const replay = pagedPool(8, { replay: recorded });
    script(replay, 0, 25);
    const saved = { pool: replay.pool.saveState(), ram: replay.ram.u8.slice(), mapped: [...replay.owner.mapped] };
    const rest = script(replay, 25, 60);
    expect(rest).toEqual(whole.slice(25));
    for (let again = 0; again < 2; again++) {
      replay.pool.restoreState(saved.pool);
      replay.ram.u8.set(saved.ram);
      replay.owner.mapped.clear();
      for (const gpn of saved.mapped) replay.owner.mapped.add(gpn);
      expect(script(replay, 25, 60)).toEqual(rest);
    }
  });
});
