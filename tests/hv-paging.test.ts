// Host paging under the hypervisor: a pool of machine frames much smaller than guest RAM.
// With --time virtual the guest sees nothing of it (guest-visible events identical to a
// run without paging, under every policy); memtouch finds all its data after heavy
// eviction onto a "floppy"; a backing store whose writes fail keeps its pages; and the
// failures and latencies are inputs: a recording replays exactly without them.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventSink, HvrrEvent, HpfEvent } from '@hvrr/events';
import { BufferConsole } from '@hvrr/machine';
import { parseHostPaging, type FailureInjector, type HostPagingConfig, type StrategyName } from '@hvrr/hypervisor';
import { buildMachine, Recorder, TraceWriter, FileOutput, type RunConfig } from '@hvrr/recorder';
import { replayTraceFile } from '@hvrr/replayer';
import { oneVmConfig, project } from './support/hv-strategy-runs.js';

const BUDGET = 2_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'hvrr-paging-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(bootargs: string, paging: HostPagingConfig | null, time = 'virtual', strategy: StrategyName = 'nested'): RunConfig {
  return oneVmConfig({ bootargs, hostPaging: paging, time, strategy });
}

/** Runs a configuration at the events level, collecting every event and the console. */
function run(rc: RunConfig, inject?: FailureInjector) {
  const console = new BufferConsole();
  const { machine, hypervisor } = buildMachine(rc, console, { inject });
  const events: HvrrEvent[] = [];
  const sink: EventSink = { wantsInstructions: false, wantsEvents: true, emit: (e) => events.push(e), instructions() {} };
  machine.attachSink(sink);
  const outcome = machine.run(BUDGET);
  return { outcome, text: console.text(), events, stats: hypervisor!.vmStats()[0]!, pager: hypervisor!.pool.hostPager };
}

const hpfs = (events: HvrrEvent[]) => events.filter((e): e is HpfEvent & HvrrEvent => e.type === 'hpf');

describe('host paging under the hypervisor', () => {
  const plain = run(config('init=memtouch -- 1024', null));

  it('a run without --host-mem has no host paging events and counts first touches as minor faults', () => {
    expect(plain.outcome).toEqual({ kind: 'pass', how: 'SBI system reset: shutdown' });
    expect(hpfs(plain.events)).toHaveLength(0);
    expect(plain.stats.hostPageFaults.major).toBe(0);
    expect(plain.stats.hostPageFaults.minor).toBeGreaterThan(256);
    expect(plain.stats.hostTimeNs).toBe(plain.stats.guestTimeNs);
  });

  it.each(['fifo', 'lru', 'clock', 'random:7'])('with --host-mem 640K --policy %s and --time virtual the guest-visible events are identical', (policy) => {
    const paged = run(config('init=memtouch -- 1024', parseHostPaging({ hostMem: 640 * 1024, policy, latency: 'floppy' })));
    expect(paged.outcome).toEqual(plain.outcome);
    expect(paged.text).toBe(plain.text);
    expect(paged.text).toContain(', 0 wrong');
    // It did page: victims were written out and read back.
    const faults = hpfs(paged.events);
    expect(faults.some((f) => f.ops.includes('page-out'))).toBe(true);
    expect(faults.some((f) => f.ops.includes('page-in'))).toBe(true);
    expect(paged.stats.hostPageFaults.major).toBeGreaterThan(0);
    // Guest-visible: guest traps, ptws, delivered interrupts, mmio, SBI calls at their vmIcount.
    const visible = (events: HvrrEvent[]) => events.map(project).filter((v) => v !== null);
    expect(visible(paged.events)).toEqual(visible(plain.events));
    expect(paged.stats.instructions).toBe(plain.stats.instructions);
    expect(paged.stats.guestTimeNs).toBe(plain.stats.guestTimeNs);
    // Virtual time hides the stalls from the guest; host time has every one of them.
    const stalls = faults.reduce((sum, f) => sum + f.latencyNs, 0);
    expect(stalls).toBeGreaterThan(0);
    expect(paged.stats.hostTimeNs).toBe(paged.stats.guestTimeNs + stalls);
  });

  it('any pool size and policy (fast-check): forkwait sees the same guest-visible events as without paging', () => {
    const visible = (events: HvrrEvent[]) => events.map(project).filter((v) => v !== null);
    const base = run(config('init=forkwait -- 20', null));
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 400 }),
        fc.constantFrom('fifo', 'lru', 'clock', 'random'),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (frames, name, seed) => {
          const policy = name === 'random' ? `random:${seed}` : name;
          const paged = run(config('init=forkwait -- 20', parseHostPaging({ hostMem: frames * 4096, policy, latency: 'hdd' })));
          expect(paged.text).toBe(base.text);
          expect(visible(paged.events)).toEqual(visible(base.events));
        },
      ),
      { numRuns: 6 },
    );
  });

  it('under shadow too, host paging changes no guest-visible event', () => {
    const visible = (events: HvrrEvent[]) => events.map(project).filter((v) => v !== null);
    const shadow = run(config('init=memtouch -- 1024', null, 'virtual', 'shadow'));
    const paged = run(config('init=memtouch -- 1024', parseHostPaging({ hostMem: 640 * 1024, policy: 'lru', latency: 'floppy' }), 'virtual', 'shadow'));
    expect(paged.text).toBe(shadow.text);
    expect(paged.text).toContain(', 0 wrong');
    expect(paged.stats.hostPageFaults.major).toBeGreaterThan(0);
    expect(visible(paged.events)).toEqual(visible(shadow.events));
  });

  it('memtouch 3 MiB in an 8 MiB guest verifies all its data through 640 KiB of frames on a floppy', () => {
    const r = run(config('init=memtouch -- 3072', parseHostPaging({ hostMem: 640 * 1024, latency: 'floppy' })));
    expect(r.outcome).toEqual({ kind: 'pass', how: 'SBI system reset: shutdown' });
    expect(r.text).toContain('memtouch: 3072 KiB at 0x00011000: 768 pages, 786432 words written and read back, 0 wrong');
    const totals = r.pager!.totals();
    // Heavy eviction: many times the pool's 160 frames went out and came back.
    expect(totals.pageOuts).toBeGreaterThan(4 * 160);
    expect(totals.pageIns).toBeGreaterThan(4 * 160);
    expect(totals.residentPages).toBeLessThanOrEqual(160);
    expect(r.stats.hostTimeNs - r.stats.guestTimeNs).toBe(totals.stallNs);
    expect(totals.stallNs % 250_000_000).toBe(0);
  });

  it('a backing store whose writes fail keeps those pages resident, reports them, and loses nothing', () => {
    // Every 5th write-back fails with EIO on a real file.
    let writes = 0;
    const inject: FailureInjector = (op) => (op === 'write' && ++writes % 5 === 0 ? 'EIO' : undefined);
    const path = join(dir, 'swap-failing');
    const r = run(config('init=memtouch -- 1024', parseHostPaging({ hostMem: 256 * 1024, backing: `file:${path}`, latency: 'ssd' })), inject);
    expect(r.outcome).toEqual({ kind: 'pass', how: 'SBI system reset: shutdown' });
    expect(r.text).toContain(', 0 wrong');
    const failed = hpfs(r.events).filter((f) => f.ops.includes('write-failed'));
    expect(failed.length).toBeGreaterThan(10);
    expect(failed.every((f) => f.errors!.includes('EIO') && f.failed === undefined)).toBe(true);
    // (Loading the image into 64 frames pages too, before any event sink is attached.)
    expect(r.pager!.totals().writeFailures).toBeGreaterThanOrEqual(failed.reduce((n, f) => n + f.ops.filter((o) => o === 'write-failed').length, 0));
    expect(statSync(path).size).toBeGreaterThan(0); // real I/O happened
  });

  it('when no page can be written back the VM stops with a clear message, and nothing is lost silently', () => {
    // Write-backs work while the image loads and the kernel boots, then the store breaks for good.
    let writes = 0;
    const r = run(config('init=memtouch -- 1024', parseHostPaging({ hostMem: 256 * 1024 })), (op) => (op === 'write' && ++writes > 300 ? 'EIO' : undefined));
    expect(r.outcome?.kind).toBe('error');
    expect((r.outcome as { message: string }).message).toMatch(/host paging: no machine frame could be freed for vm0 page 0x[0-9a-f]+: 8 write-back\(s\) failed \(EIO/);
    expect(hpfs(r.events).at(-1)!.failed).toMatch(/no machine frame could be freed/);
  });

  it('a backing file that cannot be opened is a clear error', () => {
    expect(() => buildMachine(config('init=hello', parseHostPaging({ hostMem: 640 * 1024, backing: `file:${join(dir, 'no', 'such', 'dir')}` })), new BufferConsole())).toThrow(
      /cannot open the backing store file:.*: ENOENT/,
    );
  });

  it('recorded backing failures and latencies are inputs: the trace replays exactly on memory, at every level', async () => {
    for (const level of ['inputs', 'events'] as const) {
      let writes = 0;
      const path = join(dir, `failing-${level}.hvrr`);
      const rc = config('init=memtouch -- 1024', parseHostPaging({ hostMem: 256 * 1024, backing: `file:${join(dir, `swap-${level}`)}`, latency: 'measured' }), 'real');
      const recorder = new Recorder(rc, new BufferConsole(), new TraceWriter(new FileOutput(path)), {
        level,
        injectBackingFailures: (op) => (op === 'write' && ++writes % 7 === 0 ? 'EIO' : undefined),
      });
      const end = recorder.runToEnd();
      expect(end.outcome.kind).toBe('pass');
      // Replay: no injector, no file, another latency model: the recorded inputs rule.
      const result = await replayTraceFile(path, { output: null, latency: 'hdd' });
      expect(result.status).toBe('exact');
    }
  });
});
