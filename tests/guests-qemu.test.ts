// Boots the committed guest images (packages/guests/images) on QEMU with the
// project's own firmware and checks what the programs print and that the kernel
// shuts down cleanly. Skipped when qemu-system-riscv32 is not installed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const guests = fileURLToPath(new URL('../packages/guests/', import.meta.url));
const images = join(guests, 'images');
const qemu = 'qemu-system-riscv32';
const hasQemu = spawnSync(qemu, ['--version']).status === 0;
const hasClang14 = /clang version 14\./.test(spawnSync('clang', ['--version'], { encoding: 'utf8' }).stdout ?? '');

interface Boot {
  status: number | null;
  lines: string[];
  /** The lines the programs printed: everything but the kernel's and the firmware's own. */
  programLines: string[];
}

function boot(bootargs: string, firmware = join(images, 'firmware.elf')): Boot {
  const result = spawnSync(
    qemu,
    ['-machine', 'virt', '-nographic', '-bios', firmware, '-kernel', join(images, 'kernel.elf'), '-append', bootargs],
    { encoding: 'utf8', input: '', timeout: 90_000 },
  );
  const lines = (result.stdout ?? '').replace(/\r/g, '').split('\n').filter((line) => line !== '');
  const programLines = lines.filter((line) => !line.startsWith('kernel: ') && !line.startsWith('firmware: '));
  return { status: result.status, lines, programLines };
}

function expected(name: string): string[] {
  return readFileSync(join(guests, 'expected', `${name}.txt`), 'utf8').split('\n').filter((line) => line !== '');
}

/** The deterministic runs: fixture name (packages/guests/expected) → bootargs. */
const deterministic: Array<[string, string]> = [
  ['hello', 'init=hello'],
  ['malloc', 'init=malloc'],
  ['forkwait-1000', 'init=forkwait -- 1000'],
  ['memtouch', 'init=memtouch'],
  ['compute', 'init=compute'],
  ['compute-3', 'init=compute -- 3'],
  ['fault', 'init=fault'],
];

describe.skipIf(!hasQemu)('guest kernel on QEMU with the project firmware', () => {
  for (const [name, bootargs] of deterministic) {
    it(`${bootargs}: prints the expected lines and shuts down with status 0`, () => {
      const run = boot(bootargs);
      expect(run.programLines).toEqual(expected(name));
      expect(run.lines).toContain('kernel: init exited with status 0, shutting down');
      expect(run.status).toBe(0);
    });
  }

  it('init=fault: the kernel kills each child with the reason and lives on', () => {
    const run = boot('init=fault');
    const kills = run.lines.filter((line) => / killed: /.test(line));
    expect(kills).toHaveLength(3);
    expect(kills[0]).toMatch(/^kernel: pid \d+ \(fault\) killed: store page fault at 0x40000000, pc 0x[0-9a-f]{8}$/);
    expect(kills[1]).toMatch(/^kernel: pid \d+ \(fault\) killed: load page fault at 0x80400000, pc 0x[0-9a-f]{8}$/);
    expect(kills[2]).toMatch(/^kernel: pid \d+ \(fault\) killed: illegal instruction, pc 0x[0-9a-f]{8}$/);
    expect(run.status).toBe(0);
  });

  it('the default init tours every program and all exit with status 0', () => {
    const run = boot('');
    expect(run.lines).toContain('init: tour done, 7 of 7 programs exited with status 0');
    for (const program of ['hello', 'malloc', 'forkwait 100', 'memtouch 1024', 'timer', 'compute', 'fault']) {
      expect(run.lines).toContain(`init: $ ${program}`);
    }
    expect(run.status).toBe(0);
  });

  it('timer: every sleep lasts at least as long as asked', () => {
    const run = boot('init=timer');
    const sleeps = run.programLines.filter((line) => line.startsWith('timer: sleep('));
    expect(sleeps).toHaveLength(4);
    for (const line of sleeps) {
      const [, ms, slept] = /sleep\((\d+) ms\).* slept (\d+) us/.exec(line) ?? [];
      expect(Number(slept)).toBeGreaterThanOrEqual(Number(ms) * 1000);
    }
    expect(run.lines).toContain('timer: no sleep ended early');
    expect(run.status).toBe(0);
  });

  it('an init that cannot start makes the kernel shut down with a failure', () => {
    const run = boot('init=nosuch');
    expect(run.lines).toContain("kernel: cannot start init program 'nosuch'");
    expect(run.status).toBe(1);
  });

  it('pv=1 without the PV MMU extension says so once and uses plain stores', () => {
    const run = boot('init=hello pv=1');
    expect(run.lines.filter((line) => line.includes('no PV MMU extension'))).toHaveLength(1);
    expect(run.programLines).toEqual(expected('hello'));
    expect(run.status).toBe(0);
  });

  it('tick=1000 preempts more often and changes nothing the programs print', () => {
    const run = boot('tick=1000 init=compute -- 3');
    expect(run.lines).toContain('kernel: tick 1000 Hz, timebase 10000000 Hz; starting compute');
    expect(run.programLines).toEqual(expected('compute-3'));
    expect(run.status).toBe(0);
  });
});

// The pv=1 path needs an SBI with the PV MMU extension: build.mjs --pv-test builds a
// firmware that serves it in M-mode (a test tool; the committed firmware lacks it).
describe.skipIf(!hasQemu || !hasClang14)('guest kernel with pv=1 on QEMU (PV MMU served by the test firmware)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hvrr-guests-pv-'));
    const built = spawnSync(process.execPath, [join(guests, 'build.mjs'), '--out', dir, '--pv-test'], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`build.mjs --pv-test failed:\n${built.stderr}`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, bootargs] of deterministic) {
    it(`${bootargs} pv=1: page tables by hypercalls, the same program output`, () => {
      const run = boot(`pv=1 ${bootargs}`, join(dir, 'firmware-pvtest.elf'));
      expect(run.lines.some((line) => line.startsWith('kernel: page tables: PV MMU hypercalls'))).toBe(true);
      expect(run.lines.some((line) => / PTE writes in \d+ mmu_update calls/.test(line))).toBe(true);
      expect(run.programLines).toEqual(expected(name));
      expect(run.status).toBe(0);
    });
  }
});
