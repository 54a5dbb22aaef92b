// `hvrr run/record/replay --hv` as a user runs them: options, errors, per-VM stats,
// and exact record/replay of hypervisor runs at every level, with one VM and with two.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hvrr } from './support/hvrr-cli.js';

const KERNEL = 'packages/guests/images/kernel.elf';
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hvrr-hv-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hvrr run --hv', () => {
  it('runs the guest kernel in a VM with the output it has on the built-in firmware', () => {
    const native = hvrr(['run', '--firmware', 'builtin', '--mem', '64M', KERNEL, '--bootargs', 'init=hello']);
    const hv = hvrr(['run', '--hv', KERNEL, '--bootargs', 'init=hello']);
    expect(native.status).toBe(0);
    expect(hv.status, hv.stderr).toBe(0);
    // Only the kernel's report of guest RAM may differ: 64 MiB under --hv, 128 MiB natively.
    const strip = (s: string) => s.replace(/^kernel: RAM .*\n/m, '');
    expect(strip(hv.stdout)).toBe(strip(native.stdout));
    expect(hv.stdout).toContain('kernel: RAM 0x80000000-0x84000000');
  });

  it('runs two VMs side by side, prefixing each line with its VM, and reports per-VM stats', () => {
    const stats = join(dir, 'two.json');
    const r = hvrr(['run', '--hv', KERNEL, '--bootargs', 'init=hello', '--vm', `image=${KERNEL},mem=32M,bootargs=init=forkwait -- 3`, '--stats-json', stats]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines.every((l) => /^\[vm[01]\] /.test(l))).toBe(true);
    expect(lines).toContain('[vm0] hello, world! (pid 1)');
    expect(lines.some((l) => l.startsWith('[vm1] kernel: RAM 0x80000000-0x82000000'))).toBe(true);
    const alone = hvrr(['run', '--hv', KERNEL, '--guest-mem', '32M', '--bootargs', 'init=forkwait -- 3']);
    expect(alone.status).toBe(0);
    const vm1 = lines.filter((l) => l.startsWith('[vm1] ')).map((l) => l.slice(6));
    expect(vm1.join('\n') + '\n').toBe(alone.stdout);
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    expect(s.vms.map((v: { id: number }) => v.id)).toEqual([0, 1]);
    expect(s.vms[0].instructions + s.vms[1].instructions).toBe(s.instructions);
    for (const vm of s.vms) {
      const sum = Object.values(vm.exits.byReason as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(vm.exits.total).toBe(sum);
      expect(vm.exits.byReason.sbi).toBeGreaterThan(0);
    }
  });

  it('exits with the failure of any VM', () => {
    const r = hvrr(['run', '--hv', KERNEL, '--bootargs', 'init=hello', '--vm', `image=${KERNEL},bootargs=init=nosuchprogram`]);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain('[vm0] hello, world!');
  });

  it.each([
    [['--vm', `image=${KERNEL}`], /--vm configures a VM: add --hv/],
    [['--guest-mem', '32M'], /--guest-mem configures a VM/],
    [['--hv', '--mem', '64M'], /--mem sizes a bare machine/],
    [['--hv', '--firmware', 'builtin'], /--firmware does not apply under --hv/],
    [['--hv', '--strategy', 'teleport'], /available strategies: nested/],
    [['--hv', '--vm', 'image=/nonexistent.elf'], /cannot read vm1's image '\/nonexistent.elf': no such file/],
    [['--hv', '--vm', 'mem=32M'], /image=PATH is required/],
  ])('rejects %j with a clear message and status 125', (args, message) => {
    const r = hvrr(['run', ...args, KERNEL]);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('hvrr record/replay --hv', () => {
  it.each(['inputs', 'events', 'full'])('replays a two-VM run exactly at level %s', (level) => {
    const trace = join(dir, `two-${level}.hvrr`);
    const rec = hvrr(['record', '--hv', KERNEL, '--bootargs', 'init=malloc', '--vm', `image=${KERNEL},bootargs=init=forkwait -- 4`, '--level', level, '-o', trace]);
    expect(rec.status, rec.stderr).toBe(0);
    const rep = hvrr(['replay', trace]);
    expect(rep.status, rep.stderr).toBe(0);
    expect(rep.stderr).toMatch(/replay exact/);
    expect(rep.stdout).toBe(rec.stdout);
  });

  it.each(['inputs', 'events', 'full'])('replays a one-VM run exactly at level %s', (level) => {
    const trace = join(dir, `one-${level}.hvrr`);
    const rec = hvrr(['record', '--hv', KERNEL, '--bootargs', 'init=fault', '--level', level, '-o', trace]);
    expect(rec.status, rec.stderr).toBe(0);
    const rep = hvrr(['replay', trace]);
    expect(rep.status, rep.stderr).toBe(0);
    expect(rep.stdout).toBe(rec.stdout);
    if (level === 'full') {
      // Folding cannot rebuild a hypervisor's own writes to host memory yet: it says so.
      const fold = hvrr(['replay', '--fold', trace]);
      expect(fold.status).toBe(125);
      expect(fold.stderr).toMatch(/does not support hypervisor \(--hv\) traces yet/);
    }
  });

  it('replays a one-VM run with forwarded system calls; info shows the VM', () => {
    const trace = join(dir, 'fw.hvrr');
    const rec = hvrr(['record', '--hv', '--forward-syscalls', KERNEL, '--bootargs', 'init=malloc', '-o', trace]);
    expect(rec.status, rec.stderr).toBe(0);
    const native = hvrr(['run', '--firmware', 'builtin', '--mem', '64M', KERNEL, '--bootargs', 'init=malloc']);
    const strip = (s: string) => s.replace(/^kernel: RAM .*\n/m, '');
    expect(strip(rec.stdout)).toBe(strip(native.stdout));
    const rep = hvrr(['replay', '--quiet', trace]);
    expect(rep.status, rep.stderr).toBe(0);
    const info = hvrr(['info', '--json', trace]);
    expect(info.status).toBe(0);
    expect(JSON.parse(info.stdout).vms).toEqual([
      { id: 0, image: KERNEL, image_size: readFileSync(KERNEL).length, mem_size: 64 << 20, strategy: 'nested', bootargs: 'init=malloc', forward_syscalls: true },
    ]);
    const text = hvrr(['info', trace]);
    expect(text.stdout).toMatch(/^vm0: +packages\/guests\/images\/kernel.elf \(\d+ bytes, inside the trace\), 64 MiB, nested, forwarded syscalls, bootargs "init=malloc"$/m);
  });
});
