// The bare-metal programs of packages/guests/bare against their recorded expectations:
// on QEMU when qemu-system-riscv32 is installed, and on hvrr once `hvrr run` exists.
// Both must print exactly expected/NAME.txt and end with the verdict and exit status of
// expected/verdicts.json (0 for pass, the finisher's code for fail).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const bareDir = join(repoRoot, 'packages', 'guests', 'bare');
const imagesDir = join(repoRoot, 'packages', 'guests', 'images');

interface Expected {
  verdict: 'pass' | 'fail';
  exitCode: number;
}

interface Run {
  stdout: string;
  /** null when the process was killed (timeout) rather than exiting. */
  exitCode: number | null;
}

const verdicts = JSON.parse(
  readFileSync(join(bareDir, 'expected', 'verdicts.json'), 'utf8'),
) as Record<string, Expected>;
const programNames = Object.keys(verdicts);

function elfOf(name: string): string {
  return join(imagesDir, `bare-${name}.elf`);
}

function expectedOutput(name: string): string {
  return readFileSync(join(bareDir, 'expected', `${name}.txt`), 'utf8');
}

function installed(command: string, versionArg = '--version'): boolean {
  const probe = spawnSync(command, [versionArg], { stdio: 'ignore' });
  return !probe.error && probe.status === 0;
}

// Keep in step with qemuArgs in packages/guests/bare/record-expected.mjs. The C extension
// is off because hvrr has none, and with it a jump to an address 2 mod 4 would not fault.
const QEMU_ARGS = ['-machine', 'virt', '-nographic', '-bios', 'none', '-cpu', 'rv32,c=off'];
const RUN_TIMEOUT_MS = 10_000;

function runQemu(elf: string): Run {
  const result = spawnSync('qemu-system-riscv32', [...QEMU_ARGS, '-kernel', elf], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: RUN_TIMEOUT_MS,
  });
  return { stdout: result.stdout, exitCode: result.status };
}

// ---------------------------------------------------------------------------------------
// hvrr: TO BE WIRED BY THE LEAD once `hvrr run` exists. Flip HVRR_WIRED to true; runHvrr
// already calls the CLI exactly as the checks do (`pnpm -s hvrr run ELF` from the repo
// root), and the same expectations as for QEMU apply: identical stdout, exit status 0 for
// pass and the failure code (clamped to 1-123) for fail.
const HVRR_WIRED = true;

function runHvrr(elf: string): Run {
  const result = spawnSync('pnpm', ['-s', 'hvrr', 'run', elf], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return { stdout: result.stdout, exitCode: result.status };
}
// ---------------------------------------------------------------------------------------

function expectMatches(name: string, run: Run): void {
  expect(run.stdout).toBe(expectedOutput(name));
  expect(run.exitCode).toBe(verdicts[name]!.exitCode);
}

describe('bare program images', () => {
  it('records a verdict and an output for every program, including one that fails', () => {
    expect(programNames).toEqual(
      expect.arrayContaining(['hello', 'arith', 'atomics', 'traps', 'timer', 'smode', 'fail', 'bench']),
    );
    expect(verdicts['fail']).toEqual({ verdict: 'fail', exitCode: 7 });
    for (const name of programNames) {
      const { verdict, exitCode } = verdicts[name]!;
      expect(verdict === 'pass').toBe(exitCode === 0);
      expect(expectedOutput(name).length).toBeGreaterThan(0);
    }
  });

  it.each(programNames)('bare-%s.elf is a little-endian RISC-V ELF32 entered at 0x80000000', (name) => {
    const elf = readFileSync(elfOf(name));
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(elf[4]).toBe(1); // ELFCLASS32
    expect(elf[5]).toBe(1); // little-endian
    expect(elf.readUInt16LE(18)).toBe(243); // EM_RISCV
    expect(elf.readUInt32LE(24)).toBe(0x80000000); // e_entry
  });
});

describe.skipIf(!installed('qemu-system-riscv32'))('bare programs on QEMU', () => {
  it.each(programNames)('%s prints the expected output and ends with the expected verdict', (name) => {
    expectMatches(name, runQemu(elfOf(name)));
  });
});

describe.skipIf(!HVRR_WIRED)('bare programs on hvrr', () => {
  it.each(programNames)('%s prints what QEMU printed and ends with the same verdict', (name) => {
    expectMatches(name, runHvrr(elfOf(name)));
  });
});

describe.skipIf(!installed('clang') || !installed('ld.lld'))('bare build', () => {
  it('rebuilds the committed images bit for bit', () => {
    const out = mkdtempSync(join(tmpdir(), 'hvrr-bare-rebuild-'));
    try {
      const build = spawnSync(process.execPath, [join(bareDir, 'build.mjs'), '--out', out], {
        encoding: 'utf8',
      });
      expect(build.stderr).toBe('');
      expect(build.status).toBe(0);
      for (const name of programNames) {
        const rebuilt = readFileSync(join(out, `bare-${name}.elf`));
        expect(rebuilt.equals(readFileSync(elfOf(name))), `bare-${name}.elf differs`).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
