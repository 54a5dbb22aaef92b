#!/usr/bin/env node
// Regenerates the replay fixtures in traces/ from the project's own guest images.
// Run after `pnpm build`:   node scripts/record-fixtures.mjs [--check]
// --check records them again in memory and exits 1 if any committed trace differs
// (traces hold no timestamps, so the same build records the same bytes).
// A change of the trace format or of guest-visible behaviour makes the committed
// traces fail to replay (tests/record-replay.test.ts); regenerate them on purpose.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BufferConsole } from '../packages/machine/dist/index.js';
import { MemoryOutput, Recorder, TraceWriter, runConfig } from '../packages/recorder/dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const images = 'packages/guests/images/';
const MEM = 32 * 1024 * 1024;

const fixtures = [
  { file: 'bare-hello-events.hvrr', elf: 'bare-hello.elf', level: 'events' },
  { file: 'bare-timer-full.hvrr', elf: 'bare-timer.elf', level: 'full' },
  { file: 'bare-atomics-inputs.hvrr', elf: 'bare-atomics.elf', level: 'inputs' },
  { file: 'kernel-hello-inputs.hvrr', elf: 'kernel.elf', firmware: 'builtin', bootargs: 'init=hello', level: 'inputs' },
  { file: 'kernel-hello-events.hvrr', elf: 'kernel.elf', firmware: 'builtin', bootargs: 'init=hello', level: 'events' },
  { file: 'kernel-hello-full.hvrr', elf: 'kernel.elf', firmware: 'builtin', bootargs: 'init=hello', level: 'full' },
  { file: 'kernel-malloc-events.hvrr', elf: 'kernel.elf', firmware: 'builtin', bootargs: 'init=malloc', level: 'events' },
  { file: 'kernel-forkwait-inputs.hvrr', elf: 'kernel.elf', firmware: 'builtin', bootargs: 'init=forkwait -- 20', level: 'inputs' },
  { file: 'firmware-kernel-hello-events.hvrr', elf: 'kernel.elf', firmware: 'firmware.elf', bootargs: 'init=hello', level: 'events' },
];

function record(f) {
  const elfPath = images + f.elf;
  let firmware = { kind: 'none' };
  if (f.firmware === 'builtin') firmware = { kind: 'builtin' };
  else if (f.firmware) firmware = { kind: 'elf', image: readFileSync(root + images + f.firmware), path: images + f.firmware };
  const out = new MemoryOutput();
  const config = runConfig({ elf: readFileSync(root + elfPath), elfPath, memSize: MEM, firmware, bootargs: f.bootargs ?? '' });
  const rec = new Recorder(config, new BufferConsole(), new TraceWriter(out, { compressInsns: true }), { level: f.level, hashEvery: 100_000 });
  const end = rec.runToEnd();
  if (end.outcome.kind !== 'pass') throw new Error(`${f.file}: the guest did not pass (${end.outcome.kind})`);
  return { bytes: out.bytes(), end };
}

const check = process.argv.includes('--check');
mkdirSync(root + 'traces', { recursive: true });
let stale = 0;
for (const f of fixtures) {
  const { bytes, end } = record(f);
  const path = root + 'traces/' + f.file;
  if (check) {
    const same = existsSync(path) && Buffer.compare(readFileSync(path), bytes) === 0;
    if (!same) stale++;
    console.log(`${same ? 'same ' : 'DIFFERS'} ${f.file}`);
    continue;
  }
  writeFileSync(path, bytes);
  console.log(`${f.file}: ${bytes.length} bytes, ${end.icount} instructions, level ${f.level}, hash ${end.hash}`);
}
if (stale > 0) {
  console.log(`${stale} trace(s) differ from what this build records: run node scripts/record-fixtures.mjs`);
  process.exit(1);
}
