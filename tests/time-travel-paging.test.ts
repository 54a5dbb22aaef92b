// Time travel over hypervisor traces recorded with host paging (--host-mem): snapshots
// carry the pager (page map, policy, copy-on-write backing store, recorded-input cursor)
// and the VMs' time policies, and the time machine serves the recorded paging inputs as
// replay does, so a seek from any snapshot reaches the state a replay from the start reaches.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { BufferConsole, type Machine } from '@hvrr/machine';
import { parseHostPaging, type FailureInjector, type Hypervisor } from '@hvrr/hypervisor';
import { MemoryOutput, Recorder, TraceWriter, type TraceEvent } from '@hvrr/recorder';
import { TimeMachine, TraceReader } from '@hvrr/replayer';
import { runQuery } from '../packages/cli/src/query-command.js';
import { oneVmConfig } from './support/hv-strategy-runs.js';
import { guestImage, replayTo, sameRam, stateOf, type RecordedTrace } from './time-travel-support.js';

const KERNEL = guestImage('kernel.elf');

/** memtouch over 256 KiB of an 8 MiB guest through 256 KiB of host frames, onto a modeled floppy. */
function recordPaging(o: { policy: string; time: string; inject?: FailureInjector }): RecordedTrace {
  const bootargs = 'init=memtouch -- 256';
  const config = oneVmConfig({
    image: KERNEL,
    bootargs,
    time: o.time,
    hostPaging: parseHostPaging({ hostMem: 256 * 1024, policy: o.policy, latency: 'floppy' }),
  });

  const out = new MemoryOutput();
  // The recording's own snapshots (every 400K attempts) cannot hold the pager's state: the
  // time machine must leave them out and lay its own.
  new Recorder(config, new BufferConsole(), new TraceWriter(out), { level: 'events', hashEvery: 100_000, snapshotEvery: 400_000, injectBackingFailures: o.inject }).runToEnd();
  const bytes = out.bytes();
  return { bytes, reader: () => TraceReader.fromBytes(bytes) };
}

function hypervisorOf(m: Machine): Hypervisor {
  return m.host as unknown as Hypervisor;
}

/** Everything of the hypervisor a snapshot holds: VMs, vCPUs, time policies, the pool (pager map, policy, backing contents, input cursor). */
function hostState(m: Machine): unknown {
  return hypervisorOf(m).stateContributors()[0]!.save();
}

/** The pager's page map: which guest pages are resident where, in which slot, dirty or mapped. */
function pageMap(m: Machine): unknown {
  const s = hypervisorOf(m).pool.hostPager!.saveState();
  return { vm: s.vm, gpn: s.gpn, frame: s.frame, slot: s.slot, flags: s.flags, free: s.freeFrames };
}

/** Fails every 5th backing-store write with EIO: pages stay resident, and replay must repeat it. */
function everyFifthWrite(): FailureInjector {
  let writes = 0;
  return (op) => (op === 'write' && ++writes % 5 === 0 ? 'EIO' : undefined);
}

describe.each([
  { name: 'clock, catchup, failing writes', policy: 'clock', time: 'catchup', inject: everyFifthWrite },
  { name: 'random:7, real', policy: 'random:7', time: 'real', inject: undefined },
])('time travel with host paging ($name)', ({ policy, time, inject }) => {
  const trace = recordPaging({ policy, time, inject: inject?.() });
  const recorded = [...trace.reader().events()];
  const exits = recorded.filter((e) => e.type === 'exit');

  it('the trace pages: evictions, page-ins and stalls happened', () => {
    const hpfs = recorded.filter((e) => e.type === 'hpf') as (TraceEvent & { kind?: string; major?: boolean })[];
    expect(hpfs.length).toBeGreaterThan(100);
    expect(recorded.some((e) => e.type === 'paging')).toBe(true);
  });

  it('seeks to the state a replay from the start reaches (property): registers, CSRs, RAM, pager, time', () => {
    const tm = TimeMachine.fromReader(trace.reader(), { denseEvery: 150_000, snapshotEvery: 300_000 });
    // The recording's snapshots lack the pager's state: none is loaded.
    expect(tm.snapshotStats.trace).toBe(0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: tm.endIcount }), (n) => {
        tm.seek(n);
        const ref = replayTo(trace, n);
        expect(stateOf(tm.machine)).toEqual(stateOf(ref));
        expect(sameRam(tm.machine, ref)).toBe(true);
        expect(pageMap(tm.machine)).toEqual(pageMap(ref));
        expect(hostState(tm.machine)).toEqual(hostState(ref));
      }),
      // Random counts, visited in a random order: later seeks restore snapshots laid by earlier ones.
      { numRuns: 8, seed: 11 },
    );
    expect(tm.snapshotStats.count).toBeGreaterThan(3);
  });

  it('stepBack(1) after step(1) is the same state, pager included', () => {
    const tm = TimeMachine.fromReader(trace.reader(), { denseEvery: 200_000 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: tm.endIcount - 1 }), (n) => {
        tm.seek(n);
        const here = { s: stateOf(tm.machine), ram: Buffer.from(tm.machine.bus.ram.u8), host: hostState(tm.machine) };
        tm.step(1);
        expect(tm.icount).toBe(n + 1);
        tm.stepBack(1);
        expect(stateOf(tm.machine)).toEqual(here.s);
        expect(here.ram.equals(tm.machine.bus.ram.u8)).toBe(true);
        expect(hostState(tm.machine)).toEqual(here.host);
      }),
      { numRuns: 4, seed: 5 },
    );
  });

  it('hvrr query --exits lists the recorded exits; continue and reverse-continue meet at the same exit', () => {
    const listed: unknown[] = [];
    runQuery(TimeMachine.fromReader(trace.reader()), { exits: true }, (o) => listed.push(o));
    expect(listed.length).toBe(exits.length);
    expect(listed).toEqual(exits);

    const tm = TimeMachine.fromReader(trace.reader(), { denseEvery: 200_000 });
    tm.seek(Math.floor(tm.endIcount / 2));
    const f = tm.continue({ events: ['exit'] });
    expect(f.reason).toBe('event');
    const there = { s: stateOf(tm.machine), ram: Buffer.from(tm.machine.bus.ram.u8), host: hostState(tm.machine) };
    tm.continue({ events: ['exit'] });
    const b = tm.reverseContinue({ events: ['exit'] });
    expect(b.reason).toBe('event');
    expect(stateOf(tm.machine)).toEqual(there.s);
    expect(there.ram.equals(tm.machine.bus.ram.u8)).toBe(true);
    expect(hostState(tm.machine)).toEqual(there.host);
    // And the run goes on to the recorded end from there, with the recorded outcome.
    expect(tm.continue({}).reason).toBe('end');
    expect(tm.icount).toBe(tm.endIcount);
    expect(tm.machine.outcome).toEqual({ kind: 'pass', how: 'SBI system reset: shutdown' });
  });
});
