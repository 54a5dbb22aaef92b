#!/usr/bin/env node
// Builds the bare-metal rv32ima programs into packages/guests/images/bare-NAME.elf
// (or into --out DIR), bit-for-bit reproducibly: clang 14 and ld.lld, no debug info,
// no build id, no .comment, sources named by paths relative to this folder.
//
//   node packages/guests/bare/build.mjs [--out DIR] [--only NAME[,NAME...]]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const defaultOut = resolve(here, '..', 'images');

// Linked into every program; crt0 first so _start leads .text.init.
const runtime = [
  'runtime/crt0.S',
  'runtime/console.c',
  'runtime/finisher.c',
  'runtime/string.c',
  'runtime/unexpected-trap.c',
];

/** Program name → its own sources (relative to this folder). */
export const programs = {
  hello: ['programs/hello.c'],
  arith: ['programs/arith.c'],
  atomics: ['programs/atomics.c'],
  traps: ['programs/traps.c', 'programs/traps-probes.S'],
  timer: ['programs/timer.c', 'programs/timer-vectors.S'],
  smode: ['programs/smode.c', 'programs/smode-probes.S'],
  fail: ['programs/fail.c'],
  bench: ['programs/bench.c'],
};

const cflags = [
  '--target=riscv32',
  '-march=rv32ima',
  '-mabi=ilp32',
  '-mcmodel=medany',
  '-mno-relax', // ld.lld 14 does not relax; keep the objects plain
  '-ffreestanding',
  '-nostdlib',
  '-O2',
  '-std=gnu11',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-fno-ident', // no compiler version string in .comment
  '-fno-asynchronous-unwind-tables',
  '-fno-unwind-tables',
  '-fno-common',
  '-g0',
  '-Iruntime',
];

// --discard-locals drops the assembler's .L labels; named symbols stay for disassembly and gdb.
const ldflags = ['-T', 'runtime/link.ld', '--build-id=none', '-static', '--no-dynamic-linker', '--discard-locals'];

function tool(name, fallback) {
  return process.env[name] ?? fallback;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: here, encoding: 'utf8' });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

function checkClang(clang) {
  const version = run(clang, ['--version']);
  // Another clang would build working images, but not the committed bytes.
  if (!/clang version 14\./.test(version)) {
    throw new Error(`${clang} is not clang 14 (images would differ from the committed ones):\n${version}`);
  }
}

/** Builds the named programs into outDir; returns the paths written. */
export function build({ outDir = defaultOut, only = Object.keys(programs) } = {}) {
  const clang = tool('CLANG', 'clang');
  const lld = tool('LD_LLD', 'ld.lld');
  checkClang(clang);
  for (const name of only) {
    if (!(name in programs)) throw new Error(`unknown program: ${name}`);
  }
  const work = mkdtempSync(join(tmpdir(), 'hvrr-bare-'));
  const written = [];
  try {
    // Object names only live in the temporary folder; the linked ELF does not record them.
    const objectOf = (source) => join(work, source.replace(/[/.]/g, '_') + '.o');
    const compiled = new Set();
    const compile = (source) => {
      if (compiled.has(source)) return;
      run(clang, [...cflags, '-c', source, '-o', objectOf(source)]);
      compiled.add(source);
    };
    mkdirSync(outDir, { recursive: true });
    for (const name of only) {
      const sources = [...runtime, ...programs[name]];
      sources.forEach(compile);
      const elf = join(work, `bare-${name}.elf`);
      run(lld, [...ldflags, '-o', elf, ...sources.map(objectOf)]);
      const target = join(outDir, `bare-${name}.elf`);
      writeFileSync(target, readFileSync(elf));
      written.push(target);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return written;
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--out') options.outDir = resolve(value());
    else if (arg === '--only') options.only = value().split(',').filter(Boolean);
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node build.mjs [--out DIR] [--only NAME[,NAME...]]');
      process.exit(0);
    } else throw new Error(`unknown argument: ${arg}`);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    for (const path of build(parseArgs(process.argv.slice(2)))) console.log(path);
  } catch (error) {
    console.error(`bare build: ${error.message}`);
    process.exit(1);
  }
}
