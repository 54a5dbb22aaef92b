// Time travel (issue 7): seeks equal a replay from the start (a fast-check property),
// stepping back undoes stepping forward, and searches in both directions stop where the
// full-level trace of the same run says they must (the recorded instruction rows are
// the oracle: the run is deterministic, so every level records the same execution).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Replayer, TimeMachine } from '@hvrr/replayer';
import { CHUNK_SNAPSHOT } from '@hvrr/recorder';
import { INSN_HAS_STORE } from '@hvrr/events';
import { recordTrace, replayTo, sameRam, stateOf, type RecordedTrace } from './time-travel-support.js';

const GUEST = { firmware: 'builtin' as const, bootargs: 'init=forkwait -- 20' };
// Small intervals, so a two-million-instruction run has many snapshots of every kind.
const trace = recordTrace('kernel.elf', { ...GUEST, snapshotEvery: 300_000 });
const open = () => TimeMachine.fromReader(trace.reader(), { denseEvery: 40_000 });

/** Every retired instruction of the same run, from a full-level recording. */
function oracle(t: RecordedTrace): { pc: Int32Array; store: Int32Array; storeSize: Uint8Array; n: number } {
  const reader = t.reader();
  const n = reader.footer!.instructions;
  const pc = new Int32Array(n);
  const store = new Int32Array(n);
  const storeSize = new Uint8Array(n);
  for (const rows of reader.insnChunks()) {
    pc.set(rows.pc.subarray(0, rows.count), rows.firstIcount);
    store.set(rows.storeAddr.subarray(0, rows.count), rows.firstIcount);
    for (let i = 0; i < rows.count; i++) if (rows.flags[i]! & INSN_HAS_STORE) storeSize[rows.firstIcount + i] = (rows.flags[i]! >>> 1) & 7;
  }
  return { pc, store, storeSize, n };
}
const rows = oracle(recordTrace('kernel.elf', { ...GUEST, level: 'full' }));

describe('TimeMachine positions', () => {
  it('opens with the trace\'s snapshots and knows where it ends', () => {
    const tm = open();
    expect(tm.snapshotStats.trace).toBeGreaterThan(3);
    expect(tm.endIcount).toBe(rows.n);
    expect(tm.icount).toBe(0);
    expect(tm.seek(tm.endIcount + 100).reason).toBe('end');
    expect(tm.icount).toBe(tm.endIcount);
    expect(tm.step(5).reason).toBe('end');
  });

  it('a trace with snapshot chunks still replays exactly, and one without them seeks too', () => {
    const reader = trace.reader();
    const chunks = reader.chunks.filter((c) => c.kind === CHUNK_SNAPSHOT);
    expect(reader.footer!.snapshots).toEqual(chunks.map((c) => c.offset));
    expect(new Replayer(trace.reader()).run().status).toBe('exact');
    const plain = recordTrace('kernel.elf', { ...GUEST, snapshotEvery: 0 });
    expect(plain.reader().footer!.snapshots).toEqual([]);
    const tm = TimeMachine.fromReader(plain.reader(), { snapshotEvery: 500_000, denseEvery: 40_000 });
    expect(tm.snapshotStats.trace).toBe(0);
    tm.seek(1_900_000);
    expect(stateOf(tm.machine)).toEqual(stateOf(replayTo(plain, 1_900_000)));
    expect(tm.snapshotStats.count).toBeGreaterThan(3);
  });

  it('a seek to any count reaches the state a replay from the start reaches (property)', () => {
    const tm = open();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: rows.n }), (n) => {
        tm.seek(n);
        const ref = replayTo(trace, n);
        expect(stateOf(tm.machine)).toEqual(stateOf(ref));
        expect(sameRam(tm.machine, ref)).toBe(true);
      }),
      { numRuns: 10, seed: 7 },
    );
  });

  it('stepBack(k) after step(k) returns to the same state (property)', () => {
    const tm = open();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: rows.n - 100 }), fc.integer({ min: 1, max: 50 }), (n, k) => {
        tm.seek(n);
        const before = stateOf(tm.machine);
        const ram = Buffer.from(tm.machine.bus.ram.u8);
        tm.step(k);
        expect(tm.icount).toBe(n + k);
        tm.stepBack(k);
        expect(stateOf(tm.machine)).toEqual(before);
        expect(ram.equals(tm.machine.bus.ram.u8)).toBe(true);
      }),
      { numRuns: 10, seed: 11 },
    );
  });

  it('steps one instruction at a time along the recorded pcs, forwards and backwards', () => {
    const tm = open();
    const at = 1_234_567;
    tm.seek(at);
    for (let i = 0; i < 30; i++) {
      expect(tm.hart.pc).toBe(rows.pc[at + i]);
      tm.step();
    }
    for (let i = 30; i > 0; i--) {
      tm.stepBack();
      expect(tm.hart.pc).toBe(rows.pc[at + i - 1]);
    }
    tm.seek(2);
    expect(tm.stepBack(5).reason).toBe('start');
    expect(tm.icount).toBe(0);
  });
});

describe('TimeMachine searches', () => {
  it('continues to a breakpoint and reverse-continues to its previous hit', () => {
    const tm = open();
    const here = 1_500_000;
    const bp = rows.pc[here]!;
    const next = rows.pc.indexOf(bp, here + 1);
    const prev = rows.pc.lastIndexOf(bp, here - 1);
    expect(next).toBeGreaterThan(here);
    tm.seek(here);
    const s = tm.continue({ breakpoints: [bp >>> 0] });
    expect(s).toMatchObject({ reason: 'breakpoint', icount: next, pc: bp >>> 0 });
    tm.seek(here);
    const r = tm.reverseContinue({ breakpoints: [bp >>> 0] });
    expect(r).toMatchObject({ reason: 'breakpoint', icount: prev, pc: bp >>> 0 });
    expect(stateOf(tm.machine)).toEqual(stateOf(replayTo(trace, prev)));
  });

  it('finds writes to an address forwards, backwards, and as lastWrite', () => {
    const tm = open();
    const here = 1_800_000;
    // The latest store before `here`, and the stores to its word around it.
    let k = here - 1;
    while (rows.storeSize[k] === 0) k--;
    const addr = rows.store[k]! >>> 0;
    const hits = (i: number) => rows.storeSize[i]! > 0 && rows.store[i]! >>> 0 < addr + 4 && (rows.store[i]! >>> 0) + rows.storeSize[i]! > addr;
    let prev = k - 1;
    while (!hits(prev)) prev--;
    let first = 0;
    while (!hits(first)) first++;
    tm.seek(here);
    expect(tm.lastWrite(addr, 4)).toEqual({ icount: k, pc: rows.pc[k]! >>> 0 });
    expect(tm.icount).toBe(here);
    const r = tm.reverseContinue({ watchpoints: [{ addr, len: 4, kind: 'write' }] });
    expect(r).toMatchObject({ reason: 'watchpoint', icount: k, pc: rows.pc[k]! >>> 0, watch: { kind: 'write' } });
    const r2 = tm.reverseContinue({ watchpoints: [{ addr, len: 4, kind: 'write' }] });
    expect(r2.icount).toBe(prev);
    tm.seek(0);
    const f = tm.continue({ watchpoints: [{ addr, len: 4, kind: 'write' }] });
    // Forwards, the stop is just after the store.
    expect(f).toMatchObject({ reason: 'watchpoint', icount: first + 1 });
  });

  it('a physical watchpoint sees the same store through the page tables', () => {
    const tm = open();
    const here = 1_800_000;
    let k = here - 1;
    while (rows.storeSize[k] === 0) k--;
    tm.seek(k);
    const pa = tm.translate(rows.store[k]! >>> 0);
    expect(pa).not.toBeNull();
    tm.seek(here);
    const r = tm.reverseContinue({ watchpoints: [{ addr: pa!, len: 1, kind: 'write', space: 'physical' }] });
    expect(r.reason).toBe('watchpoint');
    expect(r.icount).toBe(k);
  });

  it('stops at a read at the loaded address', () => {
    const tm = open();
    tm.seek(1_700_000);
    // Find a load ahead, to learn an address that is read.
    let load = -1;
    for (let i = 1_700_000; i < rows.n && load < 0; i++) {
      const op = tm.machine.hart.pc;
      void op;
      tm.step();
      const inst = tm.readMemory(tm.hart.pc, 4);
      if (inst !== null && (new DataView(inst.buffer).getInt32(0, true) & 0x7f) === 0x03) load = tm.icount;
    }
    expect(load).toBeGreaterThan(0);
    const word = new DataView(tm.readMemory(tm.hart.pc, 4)!.buffer).getInt32(0, true);
    const addr = (tm.hart.x[(word >>> 15) & 31]! + (word >> 20)) >>> 0;
    tm.seek(load + 1000);
    const r = tm.reverseContinue({ watchpoints: [{ addr, len: 1, kind: 'read' }] });
    expect(r.reason).toBe('watchpoint');
    expect(r.icount).toBeGreaterThanOrEqual(load);
    // At the stop, the instruction about to run is a load from that address.
    const w = new DataView(tm.readMemory(tm.hart.pc, 4)!.buffer).getInt32(0, true);
    expect(w & 0x7f).toBe(0x03);
    expect((tm.hart.x[(w >>> 15) & 31]! + (w >> 20)) >>> 0 <= addr).toBe(true);
  });

  it('stops at system calls in both directions, after the trap is taken', () => {
    const tm = open();
    const s = tm.continue({ events: ['syscall'] });
    expect(s.reason).toBe('event');
    expect((s.event as { cause: number }).cause).toBe(8);
    expect(tm.hart.priv).toBe(1);
    expect(tm.hart.csr[0x142]).toBe(8); // scause
    const first = s.icount;
    const s2 = tm.continue({ events: ['syscall'] });
    expect(s2.icount).toBeGreaterThanOrEqual(first);
    expect(tm.hart.csr[0x141]).not.toBe(0);
    const state2 = stateOf(tm.machine);
    tm.continue({ events: ['syscall'] });
    const back = tm.reverseContinue({ events: ['syscall'] });
    expect(back.reason).toBe('event');
    expect(stateOf(tm.machine)).toEqual(state2);
  });

  it('reverse-continues to the previous interrupt, entered', () => {
    const tm = TimeMachine.fromReader(recordTrace('kernel.elf', { firmware: 'builtin', bootargs: 'init=timer' }).reader(), { denseEvery: 40_000 });
    tm.seek(tm.endIcount - 10);
    const r = tm.reverseContinue({ events: ['irq'] });
    expect(r.reason).toBe('event');
    expect(tm.hart.csr[0x142]! < 0).toBe(true); // scause: an interrupt
    // Forwards from just before, the same interrupt stops at the same state.
    const reached = stateOf(tm.machine);
    tm.seek(r.icount - 1);
    const f = tm.continue({ events: ['irq'] });
    expect(f.reason).toBe('event');
    expect(stateOf(tm.machine)).toEqual(reached);
  });

  it('honours limit and AbortSignal, and reports start and end', () => {
    const tm = open();
    tm.seek(1_000_000);
    expect(tm.reverseContinue({ breakpoints: [0x1234] }).reason).toBe('start');
    expect(tm.icount).toBe(0);
    expect(tm.continue({ breakpoints: [0x1234] }).reason).toBe('end');
    tm.seek(1_000_000);
    const l = tm.continue({ breakpoints: [0x1234] }, { limit: 100_000 });
    expect(l.reason).toBe('limit');
    expect(l.icount).toBeGreaterThanOrEqual(1_100_000);
    const ac = new AbortController();
    ac.abort();
    expect(tm.continue({ breakpoints: [0x1234] }, { signal: ac.signal }).reason).toBe('interrupted');
    expect(tm.reverseContinue({ breakpoints: [0x1234] }, { signal: ac.signal }).reason).toBe('interrupted');
  });

  it('lists events near a position and the page table at an instant', () => {
    const tm = open();
    tm.seek(1_500_000);
    const events = tm.events(1_400_000, 1_500_000) as { type: string; icount: number }[];
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.icount >= 1_400_000 && e.icount <= 1_500_000)).toBe(true);
    expect(tm.icount).toBe(1_500_000);
    const pt = tm.pageTable();
    expect(pt.length).toBeGreaterThan(0);
    const m = pt[pt.length - 1]!;
    expect(tm.translate(m.va)).toBe(m.pa);
  });
});

describe('TimeMachine async searches', () => {
  it('search in pieces, find what the sync forms find, and stop when the signal fires', async () => {
    const tm = TimeMachine.fromReader(trace.reader(), { denseEvery: 20_000 });
    const here = 1_500_000;
    const bp = rows.pc[here]! >>> 0;
    tm.seek(here);
    const sync = tm.reverseContinue({ breakpoints: [bp] });
    tm.seek(here);
    expect(await tm.reverseContinueAsync({ breakpoints: [bp] })).toEqual(sync);
    tm.seek(0);
    const ac = new AbortController();
    setImmediate(() => ac.abort());
    const s = await tm.continueAsync({ breakpoints: [0x1234] }, { signal: ac.signal });
    expect(s.reason).toBe('interrupted');
    expect(s.icount).toBeLessThan(rows.n);
  });
});

describe('stops at a row after a trap of the same count', () => {
  it('a breakpoint at the trap handler stops in the handler, forwards and backwards', () => {
    const tm = open();
    // A row whose instruction follows a trap at its own count: its pc is not where the count's first state is.
    let k = -1;
    for (let i = 1_000_000; i < rows.n && k < 0; i++) {
      tm.seek(i);
      if (tm.hart.pc !== rows.pc[i]) k = i;
    }
    expect(k).toBeGreaterThan(0);
    const bp = rows.pc[k]! >>> 0;
    tm.seek(k - 1);
    const f = tm.continue({ breakpoints: [bp] });
    expect(f).toMatchObject({ reason: 'breakpoint', icount: k, pc: bp });
    expect(tm.hart.pc >>> 0).toBe(bp);
    tm.step();
    expect(tm.icount).toBe(k + 1);
    const r = tm.reverseContinue({ breakpoints: [bp] });
    expect(r).toMatchObject({ reason: 'breakpoint', icount: k, pc: bp });
  });
});
