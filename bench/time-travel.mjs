// Time-travel benchmark (issue 7): records a trace of at least 500 million instructions
// at the inputs level (the kernel's compute program, ten children at once, preempted by
// the timer), opens it, and times seeks to random instruction counts and single reverse
// steps. Prints the trace's size, the snapshots (in the trace and in memory, with their
// memory) and the max and median of each. Targets on the 2-core reference machine:
// seek <= 0.5 s, reverse step <= 50 ms.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BufferConsole } from '../packages/machine/dist/index.js';
import { FileOutput, Recorder, TraceWriter, runConfig } from '../packages/recorder/dist/index.js';
import { TimeMachine } from '../packages/replayer/dist/index.js';

const CHILDREN = Number(process.env.TT_CHILDREN ?? 10);
const SEEKS = Number(process.env.TT_SEEKS ?? 20);
const elf = readFileSync(fileURLToPath(new URL('../packages/guests/images/kernel.elf', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'hvrr-tt-'));
const path = join(dir, 'compute.hvrr');

// A fixed pseudo-random sequence (the positions do not depend on the clock).
let seed = 0x2545f491;
function random() {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}

function seconds(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function summary(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { max: s[s.length - 1], median: s[Math.floor(s.length / 2)] };
}

try {
  let t0 = process.hrtime.bigint();
  const config = runConfig({ elf, elfPath: 'kernel.elf', firmware: { kind: 'builtin' }, bootargs: `init=compute -- ${CHILDREN}` });
  const rec = new Recorder(config, new BufferConsole(), new TraceWriter(new FileOutput(path)), { level: 'inputs' });
  const end = rec.runToEnd();
  const recordS = seconds(t0);
  const size = statSync(path).size;
  console.log(`recorded ${end.icount} instructions (inputs level, ${end.outcome.kind}) in ${recordS.toFixed(2)} s; trace ${(size / 1024).toFixed(0)} KiB`);
  if (end.icount < 500_000_000) console.log(`warning: fewer than 500M instructions (TT_CHILDREN=${CHILDREN})`);

  t0 = process.hrtime.bigint();
  const tm = TimeMachine.open(path);
  const openS = seconds(t0);
  const atOpen = tm.snapshotStats;
  console.log(`opened in ${(openS * 1000).toFixed(0)} ms: ${atOpen.trace} snapshots from the trace (every ${tm.snapshotEvery} attempts), ${(atOpen.bytes / 2 ** 20).toFixed(1)} MiB in memory`);

  const seekTimes = [];
  const backTimes = [];
  for (let i = 0; i < SEEKS; i++) {
    const n = 1 + Math.floor(random() * (tm.endIcount - 1));
    t0 = process.hrtime.bigint();
    tm.seek(n);
    seekTimes.push(seconds(t0));
    if (tm.icount !== n) throw new Error(`seek to ${n} reached ${tm.icount}`);
    t0 = process.hrtime.bigint();
    tm.stepBack(1);
    backTimes.push(seconds(t0));
    if (tm.icount !== n - 1) throw new Error(`stepBack from ${n} reached ${tm.icount}`);
  }
  // Reverse steps in a row, as a person stepping back through code does.
  for (let i = 0; i < 20; i++) {
    t0 = process.hrtime.bigint();
    tm.stepBack(1);
    backTimes.push(seconds(t0));
  }
  // The worst place: just after a trace snapshot, stepping back across it (nothing denser lies behind it yet).
  const traced = tm.snapshotPositions().filter((s) => s.kind === 'trace');
  for (let i = 0; i < 5; i++) {
    const s = traced[1 + Math.floor(random() * (traced.length - 1))];
    tm.seek(s.icount + 3);
    for (let j = 0; j < 6; j++) {
      t0 = process.hrtime.bigint();
      tm.stepBack(1);
      backTimes.push(seconds(t0));
    }
  }
  const seek = summary(seekTimes);
  const back = summary(backTimes);
  const after = tm.snapshotStats;
  console.log(`seek to ${SEEKS} random counts: max ${(seek.max * 1000).toFixed(0)} ms, median ${(seek.median * 1000).toFixed(0)} ms (target <= 500 ms)`);
  console.log(`reverse step (${backTimes.length}): max ${(back.max * 1000).toFixed(1)} ms, median ${(back.median * 1000).toFixed(1)} ms (target <= 50 ms)`);
  console.log(`snapshots now: ${after.count} (${after.trace} from the trace), ${(after.bytes / 2 ** 20).toFixed(1)} MiB of ${(tm.memoryBudget / 2 ** 20).toFixed(0)} MiB budget`);
  tm.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
