// The host-paging and time options of `hvrr run/record --hv`: what they accept, what they
// refuse, what --stats-json reports, and that a trace header keeps them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfigFromOptions } from '../packages/cli/src/run-config-options.js';
import type { RunOptions } from '../packages/cli/src/run-command.js';
import { ensureBuilt, hvrr } from './support/hvrr-cli.js';

const KERNEL = 'packages/guests/images/kernel.elf';
const dir = mkdtempSync(join(tmpdir(), 'hvrr-paging-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => ensureBuilt());

describe('hvrr run/record --hv --host-mem ...', () => {
  it('runs memtouch through 640 KiB of frames and reports host page faults and both clocks', () => {
    const json = join(dir, 'stats.json');
    const r = hvrr(['run', '--hv', KERNEL, '--bootargs', 'init=memtouch -- 1024', '--guest-mem', '8M', '--host-mem', '640K', '--latency', 'hdd', '--policy', 'random:42', '--time', 'real', '--stats', '--stats-json', json]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(', 0 wrong');
    expect(r.stderr).toMatch(/hvrr: vm0: host page faults \d+ minor, \d+ major; guest time [\d.]+ ms, modeled host time [\d.]+ ms/);
    expect(r.stderr).toMatch(/hvrr: host paging: 160 frames; \d+ page-ins, \d+ page-outs/);
    const stats = JSON.parse(readFileSync(json, 'utf8'));
    const vm = stats.vms[0];
    expect(vm.hostPageFaults.major).toBeGreaterThan(0);
    expect(vm.guestTimeNs).toBe(vm.hostTimeNs); // real: the guest sees every stall
    expect(vm.hostTimeNs).toBe(vm.instructions + stats.host_paging.stallNs); // 1 ns per instruction + stalls
    expect(stats.host_paging.stallNs % 10_000_000).toBe(0); // hdd: 10 ms per transfer
    expect(stats.host_paging.frames).toBe(160);
  });

  it('refuses paging options that make no sense, with a clear message', () => {
    const cases: [RunOptions, RegExp][] = [
      [{ hostMem: '640K' }, /--host-mem configures a VM: add --hv/],
      [{ hv: true, backing: 'memory' }, /--backing configures host paging: give the host frame pool's size with --host-mem/],
      [{ hv: true, hostMem: '16K' }, /--host-mem must hold at least 8 frames/],
      [{ hv: true, hostMem: '640K', policy: 'belady' }, /invalid policy/],
      [{ hv: true, hostMem: '640K', latency: 'tape' }, /invalid latency 'tape'/],
      [{ hv: true, hostMem: '640K', backing: 'disk' }, /invalid backing 'disk'/],
      [{ hv: true, time: 'warp' }, /invalid time policy 'warp'/],
      [{ hv: true, time: 'catchup:slew=1000' }, /slew must be in 0.01..100/],
    ];
    for (const [opts, message] of cases) expect(() => runConfigFromOptions(KERNEL, { bootargs: 'init=hello', ...opts }), JSON.stringify(opts)).toThrow(message);
    // The CLI turns them into one line and status 125.
    const r = hvrr(['run', KERNEL, '--hv', '--host-mem', '640K', '--policy', 'belady']);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/^hvrr: invalid policy/);
  });

  it('hvrr record keeps host paging and the time policy in the trace header', () => {
    const trace = join(dir, 'hello.hvrr');
    const rec = hvrr(['record', '--hv', KERNEL, '--bootargs', 'init=hello', '--guest-mem', '8M', '--host-mem', '64K', '--backing', `file:${join(dir, 'swap')}`, '--latency', 'floppy', '--policy', 'fifo', '--time', 'catchup:threshold=5ms,slew=0.5,limit=2s', '-o', trace]);
    expect(rec.status).toBe(0);
    const info = hvrr(['info', trace]);
    expect(info.stdout).toContain(`host paging:   64 KiB of host frames, policy fifo, backing file:${join(dir, 'swap')}, latency floppy`);
    expect(info.stdout).toContain('time policy:   catchup:threshold=5000000ns,slew=0.5,limit=2000000000ns');
    expect(info.stdout).toMatch(/paging +\d+/);
    // The replay does not need the swap file: the recorded inputs are enough.
    rmSync(join(dir, 'swap'));
    const replay = hvrr(['replay', trace, '--quiet']);
    expect(replay.stderr).toMatch(/replay exact/);
    expect(replay.status).toBe(0);
  });
});
