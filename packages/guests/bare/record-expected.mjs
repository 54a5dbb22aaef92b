#!/usr/bin/env node
// Runs every bare program on QEMU and records what it printed and how it ended, into
// expected/NAME.txt and expected/verdicts.json. Those files are what tests compare
// hvrr against, so they can be checked even where QEMU is not installed. Run it after
// build.mjs whenever a program changes, and read the diff before committing it.
//
//   node packages/guests/bare/record-expected.mjs [--images DIR]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { programs } from './build.mjs';

const here = dirname(fileURLToPath(import.meta.url));

// Without the C extension, as hvrr: with it QEMU would not fault on a jump to an
// address that is 2 mod 4, which the traps program provokes.
export const qemuArgs = ['-machine', 'virt', '-nographic', '-bios', 'none', '-cpu', 'rv32,c=off'];

function main(argv) {
  let images = resolve(here, '..', 'images');
  if (argv[0] === '--images' && argv[1]) images = resolve(argv[1]);
  else if (argv.length > 0) throw new Error('usage: record-expected.mjs [--images DIR]');
  const expectedDir = join(here, 'expected');
  mkdirSync(expectedDir, { recursive: true });
  const verdicts = {};
  for (const name of Object.keys(programs)) {
    const elf = join(images, `bare-${name}.elf`);
    const result = spawnSync('qemu-system-riscv32', [...qemuArgs, '-kernel', elf], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10_000,
    });
    if (result.error) throw new Error(`qemu-system-riscv32: ${result.error.message}`);
    // A timeout or a QEMU complaint is not an outcome worth recording.
    if (result.status === null || result.stderr !== '') {
      throw new Error(`${name}: QEMU did not finish cleanly (status ${result.status}):\n${result.stderr}`);
    }
    // The finisher makes QEMU exit 0 for pass and with the failure code for fail.
    const exitCode = result.status;
    verdicts[name] = { verdict: exitCode === 0 ? 'pass' : 'fail', exitCode };
    writeFileSync(join(expectedDir, `${name}.txt`), result.stdout);
    console.log(`${name}: ${verdicts[name].verdict} (exit ${exitCode}), ${result.stdout.length} bytes`);
  }
  writeFileSync(join(expectedDir, 'verdicts.json'), JSON.stringify(verdicts, null, 2) + '\n');
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(`record-expected: ${error.message}`);
  process.exit(1);
}
