// Time policies under host paging: what the guest's clock does when the hypervisor stalls
// on a slow backing store. virtual hides the stalls, real shows each one, catchup holds
// ticks back and then delivers them faster; stalls are recorded inputs, so a catchup run
// on a modeled floppy replays exactly, also when the replay is given another latency.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventSink, HvrrEvent, TimeEvent } from '@hvrr/events';
import { BufferConsole } from '@hvrr/machine';
import { parseHostPaging } from '@hvrr/hypervisor';
import { buildMachine, FileOutput, Recorder, TraceWriter, type RunConfig } from '@hvrr/recorder';
import { replayTraceFile, TraceReader } from '@hvrr/replayer';
import { oneVmConfig } from './support/hv-strategy-runs.js';
import { ensureBuilt, hvrr } from './support/hvrr-cli.js';

const BUDGET = 2_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'hvrr-time-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(bootargs: string, time: string, hostMem: number | null, latency = 'ssd'): RunConfig {
  return oneVmConfig({ bootargs, time, hostPaging: hostMem === null ? null : parseHostPaging({ hostMem, latency }) });
}

function run(rc: RunConfig) {
  const console = new BufferConsole();
  const { machine, hypervisor } = buildMachine(rc, console);
  const events: HvrrEvent[] = [];
  const sink: EventSink = { wantsInstructions: false, wantsEvents: true, emit: (e) => events.push(e), instructions() {} };
  machine.attachSink(sink);
  const outcome = machine.run(BUDGET);
  const times = events.filter((e): e is TimeEvent & HvrrEvent => e.type === 'time');
  return { outcome, text: console.text(), events, times, stats: hypervisor!.vmStats()[0]!, timing: hypervisor!.vms[0]!.timing };
}

/** What the timer program says it slept, in µs, per sleep. */
const slept = (text: string) => [...text.matchAll(/slept (\d+) us/g)].map((m) => Number(m[1]));

describe('time policies under host paging (timer, 32 KiB of host frames, ssd latency)', () => {
  const virtual = run(config('init=timer', 'virtual', 32 * 1024));
  const alone = run(config('init=timer', 'virtual', null));

  it('virtual: the guest sees exactly the time of a run without paging; host time has the stalls', () => {
    expect(virtual.text).toBe(alone.text);
    expect(virtual.stats.guestTimeNs).toBe(alone.stats.guestTimeNs);
    expect(virtual.times.length).toBeGreaterThan(100);
    // (Loading the image into 8 frames stalls too, before the event sink is attached.)
    const stalls = virtual.times.reduce((n, t) => n + t.ns, 0);
    expect(virtual.timing.totalStallNs).toBeGreaterThanOrEqual(stalls);
    expect(virtual.stats.hostTimeNs).toBe(virtual.stats.guestTimeNs + virtual.timing.totalStallNs);
    expect(virtual.times.every((t) => t.kind === 'stall' && t.rate === 1 && t.backlogNs === 0)).toBe(true);
  });

  it('real: every stall is guest time at once, so guest time is host time and sleeps look longer', () => {
    const r = run(config('init=timer', 'real', 32 * 1024));
    expect(r.outcome).toEqual({ kind: 'pass', how: 'SBI system reset: shutdown' });
    expect(r.stats.guestTimeNs).toBe(r.stats.hostTimeNs);
    for (const t of r.times) expect(t.guestNs).toBe(t.hostNs);
    // The guest now sees the time it lost to the disk around each sleep.
    const naps = slept(r.text);
    const asked = [10_000, 50_000, 100_000, 250_000];
    expect(naps).toHaveLength(4);
    naps.forEach((us, i) => expect(us).toBeGreaterThanOrEqual(asked[i]!));
    expect(naps.reduce((a, b) => a + b)).toBeGreaterThan(slept(virtual.text).reduce((a, b) => a + b) + 1000);
  });

  it('catchup: guest time stands still in a stall, then runs at most 1 + slew times faster, never ahead of the host', () => {
    const r = run(config('init=timer', 'catchup:threshold=1ms,slew=1,limit=20ms', 32 * 1024));
    expect(r.outcome).toEqual({ kind: 'pass', how: 'SBI system reset: shutdown' });
    expect(r.text).toContain('timer: no sleep ended early');
    const stalls = r.times.filter((t) => t.kind === 'stall');
    expect(stalls.length).toBeGreaterThan(100);
    for (const t of r.times) {
      expect(t.guestNs).toBeLessThanOrEqual(t.hostNs);
      expect(t.backlogNs).toBeLessThanOrEqual(20_000_000);
      expect([1, 2]).toContain(t.rate);
    }
    expect(stalls.some((t) => t.rate === 2)).toBe(true);
    // Guest + backlog + dropped = host: what the guest did not see is owed or dropped.
    const s = r.timing.policy!.stats();
    const icount = r.stats.instructions;
    expect(r.stats.guestTimeNs + r.timing.backlogNs(icount) + s.droppedNs).toBeGreaterThanOrEqual(r.stats.hostTimeNs - 1);
    expect(r.stats.guestTimeNs + r.timing.backlogNs(icount) + s.droppedNs).toBeLessThanOrEqual(r.stats.hostTimeNs);
    // Behind the host, but much closer to it than under virtual (the backlog was delivered).
    expect(r.stats.hostTimeNs - r.stats.guestTimeNs).toBeLessThan(virtual.stats.hostTimeNs - virtual.stats.guestTimeNs);
  });
});

describe('a catchup run on a modeled floppy replays exactly', () => {
  const trace = join(dir, 'memtouch-floppy-catchup.hvrr');
  beforeAll(() => {
    const rc = config('init=memtouch -- 3072', 'catchup', 640 * 1024, 'floppy');
    const recorder = new Recorder(rc, new BufferConsole(), new TraceWriter(new FileOutput(trace)), { level: 'events' });
    expect(recorder.runToEnd().outcome.kind).toBe('pass');
  });

  it('records every stall as an input and the dilation in its time events', () => {
    const reader = TraceReader.open(trace);
    try {
      const events = [...reader.events()];
      const paging = events.filter((e) => e.type === 'paging');
      const times = events.filter((e): e is TimeEvent => e.type === 'time');
      expect(paging.length).toBeGreaterThan(1000);
      expect(paging.every((e) => e.type === 'paging' && e.ops.every((o) => o.costNs === 250_000_000))).toBe(true);
      expect(times.length).toBe(paging.length); // one stall per fault that touched the floppy
      const last = times.at(-1)!;
      expect(last.hostNs).toBeGreaterThan(500e9); // minutes of floppy...
      expect(last.guestNs).toBeLessThan(1e9); // ...for under a second of guest time
      expect(times.some((t) => t.droppedNs > 0)).toBe(true); // backlog past the 1 s limit was dropped
    } finally {
      reader.close();
    }
  });

  it('replays exactly, and with --latency hdd too: the recorded latencies win', async () => {
    expect((await replayTraceFile(trace, { output: null })).status).toBe('exact');
    expect((await replayTraceFile(trace, { output: null, latency: 'hdd' })).status).toBe('exact');
  });

  it('hvrr replay --latency hdd says the recorded latencies win and exits 0', () => {
    ensureBuilt();
    const r = hvrr(['replay', trace, '--quiet', '--latency', 'hdd']);
    expect(r.stderr).toContain('the trace recorded floppy latencies, and the recorded ones win');
    expect(r.stderr).toMatch(/replay exact: \d+ instructions/);
    expect(r.status).toBe(0);
  });
});
