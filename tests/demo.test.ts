// `hvrr demo floppy`: the seeds' scenario in one command. It records two VMs sharing 640 KiB
// of host frames on a modeled floppy under catchup time, prints guest time against host
// time phase by phase, and leaves a trace that replays exactly.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hvrr, type HvrrResult } from './support/hvrr-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hvrr-demo-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The table's row for one VM's phase: [instructions, guest time, host time, host/guest, ...]. */
function row(stdout: string, vm: number, phase: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`vm${vm} `) && l.split(/\s{2,}/)[1] === phase);
  if (line === undefined) throw new Error(`no row for vm${vm} ${phase} in:\n${stdout}`);
  return line.split(/\s{2,}/).slice(2);
}

/** '1.234 ms' / '5.000 s' → ns. */
const ns = (text: string) => Number.parseFloat(text) * (text.endsWith(' s') ? 1e9 : 1e6);

describe('hvrr demo floppy', () => {
  let demo: HvrrResult;
  beforeAll(() => {
    ensureBuilt();
    demo = hvrr(['demo', 'floppy', '-o', dir, '--quiet'], { timeout: 120_000 });
  });

  it('runs the scenario and ends cleanly', () => {
    expect(demo.stderr).toBe('');
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain('two VMs of 8 MiB (vm0: memtouch 3 MiB, vm1: timer) share 640 KiB of host frames, policy clock, backing memory, latency floppy');
    expect(existsSync(join(dir, 'floppy.hvrr'))).toBe(true);
  });

  it('prints guest time against host time phase by phase, the dilation plain to see', () => {
    for (const phase of ['boot', 'setup', 'touch', 'verify', 'exit']) row(demo.stdout, 0, phase);
    for (const phase of ['boot', 'sleep(10 ms)', 'sleep(50 ms)', 'sleep(100 ms)', 'sleep(250 ms)', 'exit']) row(demo.stdout, 1, phase);
    // memtouch touching and verifying 3 MiB through 640 KiB: hundreds of floppy transfers,
    // minutes of host time for milliseconds of guest time.
    const [, guest, host, , faults] = row(demo.stdout, 0, 'verify');
    expect(ns(host!)).toBeGreaterThan(100e9);
    expect(ns(guest!)).toBeLessThan(1e9);
    expect(Number(faults!.split('/')[1])).toBeGreaterThan(500);
    // The timer's sleeps last what it asked in guest time, much longer in host time.
    const [, sleepGuest, sleepHost] = row(demo.stdout, 1, 'sleep(50 ms)');
    expect(ns(sleepGuest!)).toBeGreaterThanOrEqual(50e6);
    expect(ns(sleepHost!)).toBeGreaterThan(ns(sleepGuest!));
    expect(demo.stdout).toMatch(/vm0: guest time [\d.]+ ms, modeled host time [\d.]+ s/);
  });

  it('says how to replay, and the trace replays exactly (also with --latency hdd)', () => {
    expect(demo.stdout).toContain(`hvrr replay ${join(dir, 'floppy.hvrr')}`);
    const replay = hvrr(['replay', join(dir, 'floppy.hvrr'), '--quiet', '--latency', 'hdd'], { timeout: 120_000 });
    expect(replay.stderr).toMatch(/replay exact: \d+ instructions/);
    expect(replay.status).toBe(0);
  });
});
