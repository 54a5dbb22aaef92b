// Record/replay benchmark (issue 3): the CPU-bound workload (bare-bench.elf, ~155M
// instructions), measured in one run: a plain run (as `hvrr run` steps it), recording
// at each level to a file (the full level through the worker-thread writer, as the CLI
// does), and replay of each trace with verification (the full level with the
// worker-thread checker, as the CLI does). Each figure is the best of RUNS
// interleaved runs, so that load from other processes disturbs the ratios less.
// Prints: MIPS, recording slowdown against the plain run, bytes per instruction on
// disk, and replay speed against recording speed.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BufferConsole, Machine } from '../packages/machine/dist/index.js';
import { FileOutput, Recorder, RowBatcher, TraceWriter, WorkerTraceSink, runConfig } from '../packages/recorder/dist/index.js';
import { EncodedRowVerifier, Replayer, TraceReader, replayTraceFile } from '../packages/replayer/dist/index.js';
import { CHUNK_INSNS } from '../packages/recorder/dist/index.js';

const RUNS = Number(process.env.RUNS ?? 3);
const elf = readFileSync(fileURLToPath(new URL('../packages/guests/images/bare-bench.elf', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'hvrr-bench-'));
const config = runConfig({ elf, elfPath: 'packages/guests/images/bare-bench.elf' });

function plain() {
  const m = new Machine({ image: elf, console: new BufferConsole() });
  const t0 = process.hrtime.bigint();
  let outcome = null;
  while (outcome === null) outcome = m.run(2_000_000);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (outcome.kind !== 'pass') throw new Error(`plain run: ${outcome.kind}`);
  return { s, n: m.hart.icount };
}

/** CPU seconds of the whole process (every thread) since `from`. */
function cpuSince(from) {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
}

/** A sink that only gathers rows as the worker-thread writer's sender does, and drops them. */
function emulationOnlySink() {
  const rows = new RowBatcher();
  const drop = (r) => rows.recycle(r);
  return { header() {}, event() {}, flush() { const r = rows.take(); if (r) drop(r); }, close() {}, instructions(b) { rows.add(b, drop); } };
}

/** The full level's emulation thread alone: recording without the writer thread's work. */
function recordEmulationOnly() {
  const t0 = process.hrtime.bigint();
  const rec = new Recorder(config, new BufferConsole(), emulationOnlySink(), { level: 'full' });
  const end = rec.runToEnd();
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, n: end.icount };
}

/** The full level's replay thread alone: events verified, rows gathered and dropped instead of checked. */
function replayEmulationOnly(path) {
  const reader = TraceReader.open(path);
  const rows = new RowBatcher();
  const t0 = process.hrtime.bigint();
  const r = new Replayer(reader, { rows: { event() {}, instructions: (b) => rows.add(b, (x) => rows.recycle(x)) } }).run();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  reader.close();
  return { s, n: r.icount };
}

/** The full level on one thread: the same work as the two threads, one after the other. */
function recordSingleThread() {
  const path = join(dir, 'bench-full-1t.hvrr');
  const t0 = process.hrtime.bigint();
  const rec = new Recorder(config, new BufferConsole(), new TraceWriter(new FileOutput(path)), { level: 'full' });
  const end = rec.runToEnd();
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, n: end.icount };
}

function replaySingleThread(path) {
  const reader = TraceReader.open(path);
  function* chunks() {
    for (const c of reader.chunks) if (c.kind === CHUNK_INSNS) yield reader.payload(c);
  }
  const rows = new EncodedRowVerifier(chunks(), reader.complete);
  const t0 = process.hrtime.bigint();
  const r = new Replayer(reader, { rows: { event() {}, instructions: (b) => rows.instructions(b) } }).run();
  rows.finish();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  reader.close();
  if (r.status !== 'exact' || rows.mismatch !== null) throw new Error('single-thread replay did not match');
  return { s, n: r.icount };
}

async function record(level) {
  const path = join(dir, `bench-${level}.hvrr`);
  const sink = level === 'full' ? new WorkerTraceSink(path) : new TraceWriter(new FileOutput(path));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const rec = new Recorder(config, new BufferConsole(), sink, { level });
  let outcome = null;
  while (outcome === null) {
    outcome = rec.step();
    if (sink instanceof WorkerTraceSink && sink.backlog() > 4) await sink.drained();
  }
  const end = rec.finish(outcome);
  if (sink instanceof WorkerTraceSink) await sink.closed;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (end.outcome.kind !== 'pass') throw new Error(`record ${level}: ${end.outcome.kind}`);
  return { s, n: end.icount, bytes: statSync(path).size, path, cpu: cpuSince(cpu0) };
}

async function replay(path) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await replayTraceFile(path, { output: null });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 'exact') throw new Error(`replay ${path}: ${r.status}`);
  return { s, n: r.icount, cpu: cpuSince(cpu0) };
}

const best = {};
const keep = (key, v) => {
  if (best[key] === undefined || v.s < best[key].s) best[key] = v;
};
try {
  for (let i = 0; i < RUNS; i++) {
    keep('plain', plain());
    for (const level of ['inputs', 'events', 'full']) {
      const r = await record(level);
      keep(`record ${level}`, r);
      keep(`replay ${level}`, await replay(r.path));
      if (level === 'full') {
        keep('record full, emulation thread alone', recordEmulationOnly());
        keep('replay full, emulation thread alone', replayEmulationOnly(r.path));
        keep('record full, one thread', recordSingleThread());
        keep('replay full, one thread', replaySingleThread(r.path));
      }
    }
  }
  const mips = (v) => v.n / v.s / 1e6;
  const base = mips(best.plain);
  console.log(`# record/replay: bare-bench.elf, ${best.plain.n} instructions, best of ${RUNS}`);
  console.log(`plain run:         ${base.toFixed(1)} MIPS`);
  for (const level of ['inputs', 'events', 'full']) {
    const r = best[`record ${level}`];
    const p = best[`replay ${level}`];
    const slow = (base / mips(r) - 1) * 100;
    console.log(
      `${level.padEnd(6)} record: ${mips(r).toFixed(1).padStart(6)} MIPS (${slow >= 0 ? '+' : ''}${slow.toFixed(1)}% time against the plain run), ` +
        `${(r.bytes / r.n).toFixed(3)} bytes/instruction (${r.bytes} bytes); replay: ${mips(p).toFixed(1)} MIPS (${(mips(p) / mips(r)).toFixed(2)}x recording speed)`,
    );
  }
  // The full level runs on two threads. On a machine whose second core is busy with
  // other work they share one core, so the wall-clock figure above understates it.
  // This projects the two-idle-core figure from single-thread runs under the same
  // conditions: the emulation thread's part alone, and the whole work on one thread
  // (the difference is the writer's or checker's part).
  for (const what of ['record', 'replay']) {
    const all = best[`${what} full`];
    const main = best[`${what} full, emulation thread alone`];
    const one = best[`${what} full, one thread`];
    const other = Math.max(0, one.s - main.s);
    const projected = all.n / Math.max(main.s, other) / 1e6;
    console.log(
      `full ${what}: one thread ${mips(one).toFixed(1)} MIPS; emulation part ${main.s.toFixed(2)} s (${mips(main).toFixed(1)} MIPS alone), ` +
        `${what === 'record' ? 'writer' : 'checker'} part ${other.toFixed(2)} s; projected on two idle cores: ${projected.toFixed(1)} MIPS`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
