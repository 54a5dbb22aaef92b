// `hvrr run` and `hvrr disasm` as a user runs them (`pnpm -s hvrr ...` at the repo
// root): exit statuses, one-line errors without stack traces, --stats and
// --stats-json, determinism across runs, console input, and the disassembler.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASS } from './support/asm-machine.js';
import { REPO_ROOT, ensureBuilt, hvrr, type HvrrResult } from './support/hvrr-cli.js';
import { elfFromAssembly } from './support/test-elf.js';

const images = join(REPO_ROOT, 'packages', 'guests', 'images');
const bareExpected = join(REPO_ROOT, 'packages', 'guests', 'bare', 'expected');
const HELLO = join(images, 'bare-hello.elf');
let dir = '';

/** Writes an assembled program as an ELF into the temporary directory. */
function program(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, elfFromAssembly(source));
  return path;
}

/** stderr is exactly one line, from hvrr, with no stack trace. */
function expectOneLineError(r: HvrrResult, pattern: RegExp): void {
  expect(r.status).toBe(125);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^hvrr: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hvrr-cli-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hvrr run: exit statuses', () => {
  it('0 when the guest passes; stdout is exactly the guest output and stderr is empty', () => {
    const r = hvrr(['run', HELLO]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(bareExpected, 'hello.txt'), 'utf8'));
    expect(r.stderr).toBe('');
  });

  it("the guest's failure code when it fails (bare-fail.elf: 7)", () => {
    const r = hvrr(['run', join(images, 'bare-fail.elf')]);
    expect(r.status).toBe(7);
    expect(r.stdout).toBe(readFileSync(join(bareExpected, 'fail.txt'), 'utf8'));
  });

  it('124 when --max-insns runs out, on an endless loop and on an endless trap loop', () => {
    const loop = hvrr(['run', '--max-insns', '100000', program('loop.elf', 'j .')]);
    expect(loop.status).toBe(124);
    expect(loop.stderr).toMatch(/^hvrr: stopped: --max-insns reached/);
    // mtvec = 0: every fetch faults and the trap goes back to 0. Nothing ever retires.
    const traps = hvrr(['run', '--max-insns', '5000', '--stats-json', join(dir, 'traps.json'), program('trap-loop.elf', 'csrw mtvec, zero\njr zero')]);
    expect(traps.status).toBe(124);
    const stats = JSON.parse(readFileSync(join(dir, 'traps.json'), 'utf8'));
    expect(stats.instructions).toBe(2);
    expect(stats.attempts).toBe(5000);
    expect(stats.traps.exceptions.instruction_access_fault).toBe(4998);
  });

  it('124 when the guest waits forever (WFI with no timer armed)', () => {
    const r = hvrr(['run', program('idle.elf', 'wfi\nj .')]);
    expect(r.status).toBe(124);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });
});

describe('hvrr run: errors are one line, exit status 125, no stack trace', () => {
  it('a missing file', () => {
    expectOneLineError(hvrr(['run', join(dir, 'nosuch.elf')]), /nosuch\.elf/);
  });

  it('a file that is not an ELF', () => {
    const path = join(dir, 'not-elf.txt');
    writeFileSync(path, 'this is text, not an executable\n');
    expectOneLineError(hvrr(['run', path]), /not an ELF/);
  });

  it('a 64-bit ELF', () => {
    const bytes = readFileSync(HELLO);
    bytes[4] = 2; // EI_CLASS = ELFCLASS64
    const path = join(dir, 'elf64.elf');
    writeFileSync(path, bytes);
    expectOneLineError(hvrr(['run', path]), /64-bit/);
  });

  it('a truncated ELF, and one for another machine', () => {
    const bytes = readFileSync(HELLO);
    const truncated = join(dir, 'truncated.elf');
    writeFileSync(truncated, bytes.subarray(0, 100));
    expectOneLineError(hvrr(['run', truncated]), /truncated/);
    const other = Buffer.from(bytes);
    other.writeUInt16LE(62, 18); // e_machine = x86-64
    const x86 = join(dir, 'x86.elf');
    writeFileSync(x86, other);
    expectOneLineError(hvrr(['run', x86]), /RISC-V/);
  });

  it('bad option values: --mem 12Q, --max-insns abc, --mem too small', () => {
    expectOneLineError(hvrr(['run', '--mem', '12Q', HELLO]), /--mem/);
    expectOneLineError(hvrr(['run', '--max-insns', 'abc', HELLO]), /--max-insns/);
    expectOneLineError(hvrr(['run', '--mem', '64K', HELLO]), /memory size/);
  });

  it('a firmware file that does not exist, and a --stats-json file that cannot be written', () => {
    expectOneLineError(hvrr(['run', '--firmware', join(dir, 'nofw.elf'), HELLO]), /firmware/);
    const r = hvrr(['run', '--stats-json', join(dir, 'no', 'such', 'dir', 's.json'), HELLO]);
    expect(r.status).toBe(125);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it.each([
    ['an unknown option', ['run', '--frobnicate', HELLO], /unknown option '--frobnicate'/],
    ['an unknown command', ['frobnicate'], /unknown command/],
    ['a missing argument', ['run'], /missing required argument/],
  ])("commander's own errors (%s): exit 125, an error line, at most the usage hint after it", (_name, args, pattern) => {
    const r = hvrr(args);
    expect(r.status).toBe(125);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(/^hvrr: error: /);
    expect(lines[0]).toMatch(pattern);
    expect(lines.slice(1).every((l) => l === '(run with --help for usage)')).toBe(true);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('--help exits 0 and lists the commands', () => {
    const r = hvrr(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\brun\b/);
    expect(r.stdout).toMatch(/\bdisasm\b/);
    const run = hvrr(['run', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/--max-insns/);
  });
});

describe('hvrr run: statistics', () => {
  it('--stats-json writes instructions, mips and the traps by snake_case cause name', () => {
    const file = join(dir, 'stats.json');
    const r = hvrr(['run', '--stats-json', file, join(images, 'bare-traps.elf')]);
    expect(r.status).toBe(0);
    const stats = JSON.parse(readFileSync(file, 'utf8'));
    expect(Number.isInteger(stats.instructions) && stats.instructions > 0).toBe(true);
    expect(typeof stats.mips).toBe('number');
    const names = [...Object.keys(stats.traps.exceptions), ...Object.keys(stats.traps.interrupts)];
    expect(Object.keys(stats.traps.exceptions).length).toBeGreaterThan(0);
    for (const name of names) expect(name).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
    expect(stats.traps.exceptions.illegal_instruction).toBeGreaterThan(0);
    expect(stats.traps.exceptions.environment_call_from_m_mode).toBeGreaterThan(0);
    for (const n of Object.values<number>(stats.traps.exceptions)) expect(Number.isInteger(n) && n > 0).toBe(true);

    const timer = join(dir, 'timer.json');
    expect(hvrr(['run', '--stats-json', timer, join(images, 'bare-timer.elf')]).status).toBe(0);
    const t = JSON.parse(readFileSync(timer, 'utf8'));
    expect(t.traps.interrupts.machine_timer_interrupt).toBeGreaterThan(0);
  });

  it('--stats prints to stderr only: stdout is exactly the guest output', () => {
    const r = hvrr(['run', '--stats', HELLO]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(bareExpected, 'hello.txt'), 'utf8'));
    expect(r.stderr).toMatch(/instructions retired/);
    expect(r.stderr).toMatch(/MIPS/);
  });

  it('two runs of one ELF give identical output and identical instruction counts', () => {
    const counts = [1, 2].map((k) => {
      const file = join(dir, `det-${k}.json`);
      const r = hvrr(['run', '--stats-json', file, join(images, 'bare-timer.elf')]);
      const s = JSON.parse(readFileSync(file, 'utf8'));
      return { stdout: r.stdout, status: r.status, instructions: s.instructions, attempts: s.attempts, traps: s.traps, guest: s.guest_time_ns };
    });
    expect(counts[0]!.stdout.length).toBeGreaterThan(0);
    expect(counts[1]).toEqual(counts[0]);
  });
});

describe('hvrr run: console input', () => {
  it('bytes piped to stdin reach a polling UART program in order and are echoed back', () => {
    const echo = program(
      'echo.elf',
      `li t0, 0x10000000
       li t2, 10
       poll: lbu t1, 5(t0)
       andi t1, t1, 1
       beqz t1, poll
       lbu a0, 0(t0)
       sb a0, 0(t0)
       bne a0, t2, poll
       ${PASS}`,
    );
    const input = 'Hello, UART! 0123456789\n';
    const r = hvrr(['run', echo], { input });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(input);
    // Input from a regular file gives the same.
    const inputFile = join(dir, 'input.txt');
    writeFileSync(inputFile, input);
    const fromFile = spawnSync('sh', ['-c', `pnpm -s hvrr run '${echo}' < '${inputFile}'`], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(fromFile.status).toBe(0);
    expect(fromFile.stdout).toBe(input);
  });
});

describe('hvrr disasm', () => {
  it('prints the instructions of bare-hello.elf objdump-style, with symbol labels', () => {
    const r = hvrr(['disasm', HELLO]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^80000000 <_start>:$/m);
    expect(r.stdout).toMatch(/^80000000:\t00010117\tauipc sp, 0x10$/m);
    expect(r.stdout).toMatch(/^80000010:\t30529073\tcsrrw zero, mtvec, t0$/m);
  });

  const hasObjdump = spawnSync('llvm-objdump', ['--version']).status === 0;
  it.skipIf(!hasObjdump)('names the same instruction as llvm-objdump at every address of bare-hello.elf', () => {
    const ours = new Map<string, string>();
    for (const line of hvrr(['disasm', HELLO]).stdout.split('\n')) {
      const m = /^\s*([0-9a-f]{8}):\t([0-9a-f]{8})\t(\S+)/.exec(line);
      if (m) ours.set(m[1]!, m[3]!);
    }
    const theirs = new Map<string, string>();
    const dump = spawnSync('llvm-objdump', ['-d', '-M', 'no-aliases', HELLO], { encoding: 'utf8' }).stdout;
    for (const line of dump.split('\n')) {
      const m = /^([0-9a-f]{8}): (?:[0-9a-f]{2} ){4}\s*(\S+)/.exec(line);
      if (m && !m[2]!.startsWith('<')) theirs.set(m[1]!, m[2]!);
    }
    expect(theirs.size).toBeGreaterThan(50);
    const mismatches = [...theirs].filter(([addr, name]) => ours.get(addr) !== name).map(([addr, name]) => `${addr}: objdump ${name}, hvrr ${ours.get(addr)}`);
    expect(mismatches).toEqual([]);
  });

  it('a bad file gives one line and status 125', () => {
    expectOneLineError(hvrr(['disasm', join(dir, 'nosuch.elf')]), /nosuch\.elf/);
  });
});

describe('hvrr record --snapshot-every', () => {
  it('writes snapshot chunks at the interval asked for, none with 0, and rejects a bad count', () => {
    const info = (args: string[]) => {
      const trace = join(dir, `snap-${args.join('_') || 'default'}.hvrr`);
      const r = hvrr(['record', join(images, 'bare-bench.elf'), '--level', 'inputs', '-o', trace, ...args]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(hvrr(['info', '--json', trace]).stdout).chunks as Record<string, number>;
    };
    expect(info(['--snapshot-every', '0']).snapshot).toBeUndefined();
    // bare-bench runs about 155M instructions; snapshots fall at the state-hash points (every 1M attempts)
    // at or after each multiple of the interval: 50M gives three.
    expect(info(['--snapshot-every', '50000000']).snapshot).toBe(3);
    expectOneLineError(hvrr(['record', join(images, 'bare-arith.elf'), '-o', join(dir, 'x.hvrr'), '--snapshot-every', 'often']), /--snapshot-every/);
  });
});
