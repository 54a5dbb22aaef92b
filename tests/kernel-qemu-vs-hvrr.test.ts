// The project's guest kernel (packages/guests/images/kernel.elf) under `hvrr run`, with
// the built-in SBI firmware and with the project's firmware ELF, against the recorded
// program output (packages/guests/expected) and, when qemu-system-riscv32 is installed,
// against QEMU's own output for the same boot. Only the programs' lines are compared:
// the kernel's and the firmware's own lines carry statistics that may differ.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt, hvrr } from './support/hvrr-cli.js';

const guests = join(REPO_ROOT, 'packages', 'guests');
const images = join(guests, 'images');
const kernel = join(images, 'kernel.elf');
const firmware = join(images, 'firmware.elf');
const hasQemu = spawnSync('qemu-system-riscv32', ['--version']).status === 0;

/** The deterministic runs: fixture name (packages/guests/expected) -> bootargs. */
const deterministic: Array<[string, string]> = [
  ['hello', 'init=hello'],
  ['malloc', 'init=malloc'],
  ['forkwait-1000', 'init=forkwait -- 1000'],
  ['memtouch', 'init=memtouch'],
  ['compute', 'init=compute'],
  ['compute-3', 'init=compute -- 3'],
  ['fault', 'init=fault'],
];

function lines(stdout: string): string[] {
  return stdout.replace(/\r/g, '').split('\n').filter((line) => line !== '');
}

function programLines(stdout: string): string[] {
  return lines(stdout).filter((line) => !line.startsWith('kernel: ') && !line.startsWith('firmware: '));
}

function expected(name: string): string[] {
  return lines(readFileSync(join(guests, 'expected', `${name}.txt`), 'utf8'));
}

function qemu(bootargs: string): { status: number | null; stdout: string } {
  const r = spawnSync('qemu-system-riscv32', ['-machine', 'virt', '-nographic', '-bios', firmware, '-kernel', kernel, '-append', bootargs], {
    encoding: 'utf8',
    input: '',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout ?? '' };
}

beforeAll(() => ensureBuilt());

describe('the guest kernel under hvrr, against the expected output and QEMU', () => {
  for (const [name, bootargs] of deterministic) {
    it(`${bootargs}: the same program lines and status 0 with --firmware builtin and --firmware firmware.elf${hasQemu ? ', as QEMU prints' : ''}`, () => {
      const builtin = hvrr(['run', '--firmware', 'builtin', kernel, '--bootargs', bootargs]);
      expect(builtin.stderr).toBe('');
      expect(programLines(builtin.stdout)).toEqual(expected(name));
      expect(lines(builtin.stdout)).toContain('kernel: init exited with status 0, shutting down');
      expect(builtin.status).toBe(0);

      const withFirmware = hvrr(['run', '--firmware', firmware, kernel, '--bootargs', bootargs]);
      expect(withFirmware.stderr).toBe('');
      expect(programLines(withFirmware.stdout)).toEqual(expected(name));
      expect(withFirmware.status).toBe(0);

      if (hasQemu) {
        const q = qemu(bootargs);
        expect(q.status).toBe(0);
        expect(programLines(withFirmware.stdout)).toEqual(programLines(q.stdout));
        expect(programLines(builtin.stdout)).toEqual(programLines(q.stdout));
        // With the same firmware ELF the firmware's own lines agree too.
        const fw = (out: string) => lines(out).filter((line) => line.startsWith('firmware: '));
        expect(fw(withFirmware.stdout)).toEqual(fw(q.stdout));
      }
    });
  }

  it('init=fault: the kernel reports the same three kills (cause, address) as under QEMU', () => {
    const run = hvrr(['run', '--firmware', firmware, kernel, '--bootargs', 'init=fault']);
    const kills = lines(run.stdout).filter((line) => / killed: /.test(line));
    expect(kills).toHaveLength(3);
    expect(kills[0]).toMatch(/killed: store page fault at 0x40000000, pc 0x[0-9a-f]{8}$/);
    expect(kills[1]).toMatch(/killed: load page fault at 0x80400000, pc 0x[0-9a-f]{8}$/);
    expect(kills[2]).toMatch(/killed: illegal instruction, pc 0x[0-9a-f]{8}$/);
    if (hasQemu) expect(kills).toEqual(lines(qemu('init=fault').stdout).filter((line) => / killed: /.test(line)));
  });
});
