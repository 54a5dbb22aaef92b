// Time travel on a hypervisor trace: two VMs under the nested strategy. Snapshots carry
// the hypervisor's state through its stateContributors (machine.host), so a seek from a
// snapshot must reach the state a replay from the start reaches.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { BufferConsole } from '@hvrr/machine';
import { MemoryOutput, Recorder, TraceWriter, runConfig } from '@hvrr/recorder';
import { TimeMachine, TraceReader } from '@hvrr/replayer';
import { runQuery } from '../packages/cli/src/query-command.js';
import { guestImage, replayTo, sameRam, stateOf, type RecordedTrace } from './time-travel-support.js';

function recordHv(): RecordedTrace {
  const kernel = guestImage('kernel.elf');
  const vm = (bootargs: string) => ({ image: kernel, imagePath: 'kernel.elf', memSize: 16 << 20, strategy: 'nested' as const, bootargs, forwardSyscalls: false });
  const out = new MemoryOutput();
  const config = runConfig({ elf: kernel, hv: { vms: [vm('init=forkwait -- 3'), vm('init=hello')], quantum: 3000 } });
  new Recorder(config, new BufferConsole(), new TraceWriter(out), { level: 'inputs', hashEvery: 50_000, snapshotEvery: 200_000 }).runToEnd();
  const bytes = out.bytes();
  return { bytes, reader: () => TraceReader.fromBytes(bytes) };
}

describe('time travel on a hypervisor trace', () => {
  const trace = recordHv();

  it('seeks to the state a replay from the start reaches (property), and steps back', () => {
    const tm = TimeMachine.fromReader(trace.reader(), { denseEvery: 30_000 });
    expect(tm.snapshotStats.trace).toBeGreaterThan(2);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: tm.endIcount }), (n) => {
        tm.seek(n);
        const ref = replayTo(trace, n);
        expect(stateOf(tm.machine)).toEqual(stateOf(ref));
        expect((tm.hart as unknown as { virt: unknown }).virt).toEqual((ref.hart as unknown as { virt: unknown }).virt);
        expect(sameRam(tm.machine, ref)).toBe(true);
        if (n + 7 <= tm.endIcount) {
          tm.step(7);
          tm.stepBack(7);
          expect(stateOf(tm.machine)).toEqual(stateOf(ref));
        }
      }),
      { numRuns: 8, seed: 3 },
    );
  });

  it('stops at VM exits forwards and backwards at the same state', () => {
    const tm = TimeMachine.fromReader(trace.reader());
    tm.seek(300_000);
    const f = tm.continue({ events: ['exit'] });
    expect(f.reason).toBe('event');
    expect((f.event as { type: string }).type).toBe('exit');
    const there = stateOf(tm.machine);
    const ramThere = Buffer.from(tm.machine.bus.ram.u8);
    tm.continue({ events: ['exit'] });
    const b = tm.reverseContinue({ events: ['exit'] });
    expect(b.reason).toBe('event');
    expect(stateOf(tm.machine)).toEqual(there);
    expect(ramThere.equals(tm.machine.bus.ram.u8)).toBe(true);
  });

  it('hvrr query --exits lists every VM exit, and only those of one reason when asked', () => {
    const tm = TimeMachine.fromReader(trace.reader());
    const all: { reason: string; icount: number }[] = [];
    runQuery(tm, { exits: true }, (o) => all.push(o as { reason: string; icount: number }));
    expect(all.length).toBeGreaterThan(10);
    const reason = all[0]!.reason;
    const some: unknown[] = [];
    runQuery(TimeMachine.fromReader(trace.reader()), { exits: reason }, (o) => some.push(o));
    expect(some).toEqual(all.filter((e) => e.reason === reason));
  });

  it('runs to the end from a restored snapshot with the recorded outcome', () => {
    const tm = TimeMachine.fromReader(trace.reader());
    tm.seek(Math.floor(tm.endIcount / 2));
    tm.seek(tm.endIcount / 3);
    expect(tm.seek(tm.endIcount).reason).toBe('end');
    expect(tm.icount).toBe(tm.endIcount);
  });
});
