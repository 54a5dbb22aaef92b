import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BackingStore, FailureInjector } from './backing-store.js';
import { FileBackingStore } from './file-backing-store.js';
import { RamFrameMemory } from './frame-memory.js';
import { HostPager, type FaultResult, type PagerHost } from './host-pager.js';
import { createLatencyModel, type LatencyModel } from './latency-model.js';
import { MemoryBackingStore } from './memory-backing-store.js';
import { PagingReplay, pagingInputsOf, type PagingInput } from './paging-replay.js';
import { PAGE_SIZE } from './page-size.js';
import { parsePolicy } from './replacement-policy.js';

const scratch = mkdtempSync(join(tmpdir(), 'hvrr-host-paging-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * How the fake hypervisor maps pages. `fault-on-write`: read faults map read-only, so every
 * first store faults again with write=true (the pager sees all dirtying). `writable`: every
 * fault maps read-write and dirtiness reaches the pager only as the D bit `unmap` returns.
 */
type MappingMode = 'fault-on-write' | 'writable';

/**
 * A stand-in for the hypervisor: its "G-stage table" is a Map, its guest stores and loads
 * go to the pool's frames through the mapping, and a model (the last value written to each
 * byte of each guest page) says what every load must see.
 */
class FakeHypervisor implements PagerHost {
  readonly mappings = new Map<number, { frame: number; writable: boolean; dirtyBit: boolean; accessedBit: boolean }>();
  readonly model = new Map<number, Uint8Array>();
  /** Guest pages written since they were last brought in from a clean state. */
  readonly modelDirty = new Set<number>();
  readonly ram: Uint8Array;
  readonly pager: HostPager;
  evictions = { dirty: 0, clean: 0 };
  faults: FaultResult[] = [];

  constructor(
    frames: number,
    policy: string,
    readonly mode: MappingMode,
    backing: BackingStore,
    latency: LatencyModel = createLatencyModel('dram'),
  ) {
    this.ram = new Uint8Array(frames * PAGE_SIZE + PAGE_SIZE);
    // The pool starts one page into "host RAM", as it would after the hypervisor's own pages.
    this.pager = new HostPager({ frames, policy: parsePolicy(policy), backing, latency, memory: new RamFrameMemory(this.ram, PAGE_SIZE, frames), host: this });
  }

  unmap(vm: number, gpn: number, frame: number): { dirty: boolean } {
    const mapping = this.mappings.get(key(vm, gpn));
    expect(mapping?.frame).toBe(frame);
    this.mappings.delete(key(vm, gpn));
    return { dirty: this.mode === 'writable' && mapping!.dirtyBit };
  }

  testAndClearAccessed(vm: number, gpn: number): boolean {
    const mapping = this.mappings.get(key(vm, gpn));
    const was = mapping?.accessedBit ?? false;
    if (mapping !== undefined) mapping.accessedBit = false;
    return was;
  }

  /** One guest access; returns false if the pager could not serve the fault (nothing happened). */
  access(vm: number, gpn: number, write: boolean, offset: number, value: number): boolean {
    const k = key(vm, gpn);
    let mapping = this.mappings.get(k);
    if (mapping === undefined || (write && !mapping.writable)) {
      const frameBefore = this.pager.frameOf(vm, gpn);
      const result = this.pager.fault(vm, gpn, write);
      this.faults.push(result);
      if (!result.ok) {
        // Only a missing frame can fail here (reads never fail in these tests); nothing moved in.
        expect(result.fatal).toBe(false);
        expect(frameBefore).toBe(-1);
        expect(this.pager.frameOf(vm, gpn)).toBe(-1);
        return false;
      }
      for (const failure of result.writeFailures) {
        // A page whose write-back failed keeps its frame (and its content, checked by loads).
        expect(this.pager.frameOf(failure.vm, failure.gpn)).toBeGreaterThanOrEqual(0);
      }
      if (result.evicted !== undefined) {
        const victim = key(result.evicted.vm, result.evicted.gpn);
        expect(result.evicted.dirty).toBe(this.modelDirty.has(victim));
        expect(result.evicted.wrote).toBe(result.evicted.dirty);
        expect(this.pager.frameOf(result.evicted.vm, result.evicted.gpn)).toBe(-1);
        expect(this.mappings.has(victim)).toBe(false);
        this.modelDirty.delete(victim);
        if (result.evicted.dirty) this.evictions.dirty++;
        else this.evictions.clean++;
      }
      if (mapping !== undefined) expect(result.frame).toBe(mapping.frame);
      mapping = { frame: result.frame, writable: write || this.mode === 'writable', dirtyBit: false, accessedBit: true };
      this.mappings.set(k, mapping);
    }
    mapping.accessedBit = true;
    const base = PAGE_SIZE + mapping.frame * PAGE_SIZE;
    let page = this.model.get(k);
    if (page === undefined) {
      page = new Uint8Array(PAGE_SIZE);
      this.model.set(k, page);
    }
    if (write) {
      this.ram[base + offset] = value;
      page[offset] = value;
      mapping.dirtyBit = true;
      this.modelDirty.add(k);
    } else {
      // Every load sees the whole page exactly as last written: no page is ever lost.
      expect(Buffer.from(this.ram.subarray(base, base + PAGE_SIZE)).equals(Buffer.from(page))).toBe(true);
    }
    return true;
  }

  /** Reads back every page ever touched. */
  verifyAll(): void {
    for (const k of [...this.model.keys()]) this.access(Math.floor(k / 4096), k % 4096, false, 0, 0);
  }

  checkCoherence(): void {
    const frames = new Set<number>();
    for (const [k, mapping] of this.mappings) {
      expect(this.pager.frameOf(Math.floor(k / 4096), k % 4096)).toBe(mapping.frame);
      expect(frames.has(mapping.frame)).toBe(false);
      frames.add(mapping.frame);
    }
  }
}

function key(vm: number, gpn: number): number {
  return vm * 4096 + gpn;
}

const accessArb = fc.record({
  vm: fc.nat(1),
  gpn: fc.nat(11),
  write: fc.boolean(),
  offset: fc.constantFrom(0, 1, 2047, 4095),
  value: fc.integer({ min: 1, max: 255 }),
});
const policyArb = fc.constantFrom('fifo', 'lru', 'clock', 'random:7', 'random:123456');
const modeArb = fc.constantFrom<MappingMode>('fault-on-write', 'writable');

describe('HostPager: no page is ever lost', () => {
  it('under every policy, pool size and mapping style, every load sees the last store, dirty pages are written and clean ones dropped', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 1, max: 6 }), modeArb, fc.array(accessArb, { maxLength: 300 }), (policy, frames, mode, accesses) => {
        let writes = 0;
        const backing = new MemoryBackingStore({ inject: (op) => void (op === 'write' && writes++) });
        const hv = new FakeHypervisor(frames, policy, mode, backing);
        for (const a of accesses) {
          expect(hv.access(a.vm, a.gpn, a.write, a.offset, a.value)).toBe(true);
          hv.checkCoherence();
        }
        hv.verifyAll();
        const totals = hv.pager.totals();
        expect(totals.pageOuts).toBe(hv.evictions.dirty);
        expect(totals.cleanDrops).toBe(hv.evictions.clean);
        expect(writes).toBe(hv.evictions.dirty);
        expect(totals.writeFailures).toBe(0);
        expect(totals.residentPages).toBe(frames - hv.pager.freeFrameCount);
        expect(totals.residentPages).toBeLessThanOrEqual(frames);
        expect(totals.minorFaults + totals.majorFaults).toBe(hv.faults.length);
        expect(totals.pageIns).toBe(totals.majorFaults);
      }),
      { numRuns: 300 },
    );
  });

  it('also when write-backs fail at random (EIO, ENOSPC): failed pages stay resident and keep their data', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 2, max: 5 }), modeArb, fc.array(accessArb, { maxLength: 300 }), fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }), (policy, frames, mode, accesses, failPattern) => {
        let ops = 0;
        const inject: FailureInjector = (op) => (op === 'read' ? undefined : failPattern[ops++ % 64] ? (op === 'write' ? 'EIO' : 'ENOSPC') : undefined);
        const hv = new FakeHypervisor(frames, policy, mode, new MemoryBackingStore({ inject }));
        let failedFaults = 0;
        for (const a of accesses) if (!hv.access(a.vm, a.gpn, a.write, a.offset, a.value)) failedFaults++;
        const reported = hv.faults.reduce((n, f) => n + f.writeFailures.length, 0);
        expect(hv.pager.totals().writeFailures).toBe(reported);
        expect(failedFaults).toBe(hv.faults.filter((f) => !f.ok).length);
        // Reading everything back needs write-backs to work again.
        failPattern.fill(false);
        hv.verifyAll();
      }),
      { numRuns: 200 },
    );
  });

  it('with a real file as backing store', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 1, max: 4 }), fc.array(accessArb, { maxLength: 200 }), (policy, frames, accesses) => {
        const backing = new FileBackingStore(join(scratch, 'swap'));
        const hv = new FakeHypervisor(frames, policy, 'fault-on-write', backing, createLatencyModel('measured'));
        for (const a of accesses) hv.access(a.vm, a.gpn, a.write, a.offset, a.value);
        hv.verifyAll();
        for (const fault of hv.faults) {
          if (!fault.ok) continue;
          // measured: the latency is the real time of the transfers, as reported.
          expect(fault.latencyNs).toBe(fault.ops.reduce((ns, op) => ns + Math.round(op.measuredNs), 0));
        }
        hv.pager.close();
      }),
      { numRuns: 40 },
    );
  });

  it('makes the same decisions whatever the backing store and latency (random policy, same seed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 5 }), fc.array(accessArb, { maxLength: 200 }), (seed, frames, accesses) => {
        const run = (backing: BackingStore, latency: LatencyModel): string[] => {
          const hv = new FakeHypervisor(frames, `random:${seed}`, 'writable', backing, latency);
          for (const a of accesses) hv.access(a.vm, a.gpn, a.write, a.offset, a.value);
          hv.pager.close();
          return hv.faults.map((f) => (f.ok ? `${f.vm}:${f.gpn}->${f.frame}/${f.kind}/${f.evicted ? `${f.evicted.vm}:${f.evicted.gpn}:${f.evicted.dirty}` : '-'}` : 'failed'));
        };
        const first = run(new MemoryBackingStore(), createLatencyModel('dram'));
        expect(run(new FileBackingStore(join(scratch, 'swap-random')), createLatencyModel('measured'))).toEqual(first);
        expect(run(new MemoryBackingStore(), createLatencyModel('floppy'))).toEqual(first);
      }),
      { numRuns: 30 },
    );
  });
});

describe('HostPager: dirty and clean pages', () => {
  function twoFramePager(backing: BackingStore = new MemoryBackingStore(), latency = createLatencyModel('floppy')): FakeHypervisor {
    return new FakeHypervisor(2, 'fifo', 'fault-on-write', backing, latency);
  }

  it('drops a never-written page without a write, and brings it back as zeros with a minor fault', () => {
    const hv = twoFramePager();
    hv.access(0, 1, false, 0, 0);
    hv.access(0, 2, false, 0, 0);
    hv.access(0, 3, false, 0, 0); // evicts page 1, clean
    const fault = hv.faults[2]!;
    expect(fault.ok && fault.evicted).toMatchObject({ vm: 0, gpn: 1, dirty: false, wrote: false, slot: -1 });
    expect(fault.latencyNs).toBe(0);
    hv.access(0, 1, false, 0, 0);
    expect(hv.faults[3]).toMatchObject({ ok: true, kind: 'minor', latencyNs: 0 });
    expect(hv.pager.totals()).toMatchObject({ pageOuts: 0, cleanDrops: 2, pageIns: 0 });
  });

  it('writes a dirty page back once; after a page-in it is clean and dropped without another write (floppy costs)', () => {
    let writes = 0;
    const hv = twoFramePager(new MemoryBackingStore({ inject: (op) => void (op === 'write' && writes++) }));
    hv.access(0, 1, true, 5, 42);
    hv.access(0, 2, false, 0, 0);
    hv.access(0, 3, false, 0, 0); // page 1 out: written
    expect(hv.faults.at(-1)).toMatchObject({ ok: true, kind: 'minor', latencyNs: 250_000_000, evicted: { gpn: 1, dirty: true, wrote: true } });
    hv.access(0, 1, false, 5, 0); // page 1 back in (evicting clean page 2): read only
    expect(hv.faults.at(-1)).toMatchObject({ ok: true, kind: 'major', latencyNs: 250_000_000 });
    hv.access(0, 4, false, 0, 0); // evicts page 3 (clean)
    hv.access(0, 5, false, 0, 0); // evicts page 1 again: clean, its slot copy is current
    expect(hv.faults.at(-1)).toMatchObject({ ok: true, evicted: { gpn: 1, dirty: false, wrote: false, slot: 0 }, latencyNs: 0 });
    expect(writes).toBe(1);
    hv.access(0, 1, true, 6, 7); // back in and written: dirty again, written to the same slot
    hv.access(0, 6, false, 0, 0);
    hv.access(0, 7, false, 0, 0);
    expect(hv.faults.at(-1)).toMatchObject({ evicted: { gpn: 1, dirty: true, wrote: true, slot: 0 } });
    expect(writes).toBe(2);
    hv.verifyAll();
    expect(hv.pager.stats(0)).toMatchObject({ pageOuts: 2, pageIns: 3, majorFaults: 3 });
  });

  it('a page dirtied by the host (markDirty) is written back even if the guest never stored to it', () => {
    const hv = twoFramePager();
    hv.access(0, 1, false, 0, 0);
    const frame = hv.pager.frameOf(0, 1);
    hv.ram[PAGE_SIZE + frame * PAGE_SIZE + 9] = 99; // e.g. an SBI call's result
    hv.model.get(key(0, 1))![9] = 99;
    hv.modelDirty.add(key(0, 1));
    hv.pager.markDirty(0, 1);
    hv.access(0, 2, false, 0, 0);
    hv.access(0, 3, false, 0, 0);
    expect(hv.faults.at(-1)).toMatchObject({ evicted: { gpn: 1, dirty: true, wrote: true } });
    hv.verifyAll();
  });
});

describe('HostPager: failures', () => {
  it('a failing write-back keeps the victim resident, is reported, and the next victim is tried', () => {
    let failNext = false;
    const backing = new MemoryBackingStore({ inject: (op) => (op === 'write' && failNext ? ((failNext = false), 'EIO') : undefined) });
    const hv = new FakeHypervisor(2, 'fifo', 'fault-on-write', backing, createLatencyModel('ssd'));
    hv.access(0, 1, true, 0, 11);
    hv.access(0, 2, true, 0, 22);
    failNext = true;
    hv.access(0, 3, false, 0, 0);
    const fault = hv.faults.at(-1)!;
    expect(fault.ok).toBe(true);
    expect(fault.writeFailures).toEqual([expect.objectContaining({ op: 'write', vm: 0, gpn: 1, ok: false, error: 'EIO' })]);
    expect(fault.ok && fault.evicted).toMatchObject({ gpn: 2, wrote: true });
    expect(fault.latencyNs).toBe(200_000); // the failed write took its time too
    expect(hv.pager.pageState(0, 1)).toMatchObject({ dirty: true, slot: 0 });
    expect(hv.pager.frameOf(0, 1)).toBeGreaterThanOrEqual(0);
    expect(hv.pager.stats(0).writeFailures).toBe(1);
    hv.verifyAll();
  });

  it('a full backing store (ENOSPC) keeps dirty pages resident and drops clean ones instead', () => {
    const hv = new FakeHypervisor(3, 'fifo', 'fault-on-write', new MemoryBackingStore({ maxSlots: 1 }));
    hv.access(0, 1, true, 0, 1);
    hv.access(0, 2, true, 0, 2);
    hv.access(0, 3, false, 0, 0);
    hv.access(0, 4, false, 0, 0); // page 1 takes the only slot
    hv.access(0, 5, false, 0, 0); // page 2 has no slot: ENOSPC; page 3 is clean and goes
    const fault = hv.faults.at(-1)!;
    expect(fault.writeFailures.map((op) => [op.op, op.gpn, op.error])).toEqual([['allocate', 2, 'ENOSPC']]);
    expect(fault.ok && fault.evicted).toMatchObject({ gpn: 3, dirty: false });
    hv.verifyAll();
  });

  it('when no victim can be written the fault fails without losing anything, and succeeds later', () => {
    let failing = true;
    const hv = new FakeHypervisor(2, 'lru', 'fault-on-write', new MemoryBackingStore({ inject: (op) => (op === 'write' && failing ? 'EIO' : undefined) }));
    hv.access(0, 1, true, 0, 1);
    hv.access(0, 2, true, 0, 2);
    expect(hv.access(0, 3, true, 0, 3)).toBe(false);
    const fault = hv.faults.at(-1)!;
    expect(fault).toMatchObject({ ok: false, fatal: false });
    expect(!fault.ok && fault.message).toMatch(/no machine frame could be freed for vm0 page 0x3: 2 write-back\(s\) failed \(EIO, EIO\)/);
    failing = false;
    expect(hv.access(0, 3, true, 0, 3)).toBe(true);
    hv.verifyAll();
  });

  it('a read failure is fatal for the VM, and the page is still there to be read once the device recovers', () => {
    let failRead = false;
    const hv = new FakeHypervisor(1, 'clock', 'fault-on-write', new MemoryBackingStore({ inject: (op) => (op === 'read' && failRead ? 'EIO' : undefined) }));
    hv.access(0, 1, true, 3, 33);
    hv.access(0, 2, false, 0, 0);
    failRead = true;
    const result = hv.pager.fault(0, 1, false);
    expect(result).toMatchObject({ ok: false, fatal: true });
    expect(!result.ok && result.message).toMatch(/vm0 page 0x1 could not be read back from memory slot 0: EIO/);
    expect(hv.pager.stats(0).readFailures).toBe(1);
    expect(hv.pager.freeFrameCount).toBe(1); // the frame it would have used is free again
    failRead = false;
    hv.mappings.clear();
    hv.access(0, 1, false, 3, 0);
    expect(hv.ram[PAGE_SIZE + hv.pager.frameOf(0, 1) * PAGE_SIZE + 3]).toBe(33);
  });
});

describe('HostPager: pinning, release, latency, statistics', () => {
  it('never evicts a pinned page', () => {
    const hv = new FakeHypervisor(2, 'fifo', 'fault-on-write', new MemoryBackingStore());
    hv.access(0, 1, true, 0, 1);
    hv.pager.pin(0, 1);
    hv.access(0, 2, false, 0, 0);
    hv.access(0, 3, false, 0, 0);
    expect(hv.faults.at(-1)).toMatchObject({ evicted: { gpn: 2 } });
    hv.access(1, 3, false, 0, 0);
    expect(hv.faults.at(-1)).toMatchObject({ evicted: { gpn: 3 } });
    expect(hv.pager.frameOf(0, 1)).toBeGreaterThanOrEqual(0);
    hv.pager.unpin(0, 1);
    expect(() => hv.pager.unpin(0, 1)).toThrow(/not pinned/);
    hv.pager.pin(1, 3);
    hv.access(0, 9, false, 0, 0);
    expect(hv.faults.at(-1)).toMatchObject({ ok: true, evicted: { gpn: 1 } });
    hv.pager.pin(0, 9);
    expect(hv.access(0, 10, false, 0, 0)).toBe(false);
    expect(hv.faults.at(-1)).toMatchObject({ ok: false, fatal: false, message: expect.stringMatching(/every resident page is pinned/) });
    expect(() => hv.pager.pin(0, 1)).toThrow(/not resident/);
  });

  it('release(vm) frees a VM\'s frames and slots and leaves other VMs\' pages alone', () => {
    const backing = new MemoryBackingStore();
    const hv = new FakeHypervisor(3, 'lru', 'fault-on-write', backing);
    for (let gpn = 0; gpn < 4; gpn++) hv.access(0, gpn, true, 0, gpn + 1);
    hv.access(1, 0, true, 0, 77);
    expect(backing.slotsInUse).toBe(2);
    expect(hv.pager.release(0)).toBe(4);
    expect(backing.slotsInUse).toBe(0);
    expect(hv.pager.freeFrameCount).toBe(2);
    expect(hv.pager.stats(0).residentPages).toBe(0);
    expect(hv.pager.frameOf(1, 0)).toBeGreaterThanOrEqual(0);
    hv.access(1, 0, false, 0, 0);
  });

  it('replay: recorded costs and failures win over the host, the backing store and --latency', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 1, max: 4 }), fc.array(accessArb, { maxLength: 150 }), fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }), (policy, frames, accesses, failPattern) => {
        // Record: a real file, measured latency, some write-backs and allocations failing.
        let n = 0;
        const inject: FailureInjector = (op) => (op !== 'read' && failPattern[n++ % 16] ? 'EIO' : undefined);
        const recorded = new FakeHypervisor(frames, policy, 'writable', new FileBackingStore(join(scratch, 'swap-record'), { inject }), createLatencyModel('measured'));
        for (const a of accesses) recorded.access(a.vm, a.gpn, a.write, a.offset, a.value);
        recorded.pager.close();
        const inputs: PagingInput[] = recorded.faults.flatMap(pagingInputsOf);
        // Replay: memory backing, no failures of its own, recorded inputs only.
        const replay = new PagingReplay(inputs);
        const replayed = new FakeHypervisor(frames, policy, 'writable', new MemoryBackingStore({ inject: replay.inject }), replay.latency);
        for (const a of accesses) replayed.access(a.vm, a.gpn, a.write, a.offset, a.value);
        const strip = (faults: FaultResult[]): unknown[] => faults.map((f) => ({ ...f, ops: f.ops.map(({ measuredNs: _, ...op }) => op), writeFailures: f.writeFailures.length }));
        expect(strip(replayed.faults)).toEqual(strip(recorded.faults));
        expect(replay.consumed).toBe(inputs.length);
      }),
      { numRuns: 40 },
    );
  });

  it('replay notices a divergence: an operation the recording does not have', () => {
    const replay = new PagingReplay([{ op: 'write', ok: true, costNs: 5 }]);
    const hv = new FakeHypervisor(1, 'fifo', 'fault-on-write', new MemoryBackingStore({ inject: replay.inject }), replay.latency);
    hv.access(0, 1, true, 0, 1);
    hv.access(0, 2, true, 0, 2); // write of page 1: recorded, costs 5
    expect(hv.faults.map((f) => f.latencyNs)).toEqual([0, 5]);
    expect(() => hv.access(0, 1, false, 0, 0)).toThrow(/recording holds only 1/);
  });

  it('counts faults per VM and rejects guest page numbers beyond 34-bit guest-physical addresses', () => {
    const hv = new FakeHypervisor(2, 'clock', 'fault-on-write', new MemoryBackingStore());
    hv.access(0, 1, false, 0, 0);
    hv.access(0, 1, true, 0, 1); // write to a read-only mapping: minor, no I/O
    hv.access(1, 1, true, 0, 1);
    hv.access(1, 2, false, 0, 0); // evicts vm0's page 1 (dirty)
    hv.access(0, 1, false, 0, 0); // major for vm0
    expect(hv.pager.stats(0)).toMatchObject({ minorFaults: 2, majorFaults: 1, pageIns: 1, pageOuts: 1 });
    expect(hv.pager.stats(1)).toMatchObject({ minorFaults: 2, majorFaults: 0 });
    expect(() => hv.pager.fault(0, 1 << 22, false)).toThrow(/34-bit/);
    expect(() => hv.pager.fault(-1, 0, false)).toThrow(/vm id/);
  });
});
