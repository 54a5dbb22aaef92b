import { unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { exitStatusOf, type RunOutcome } from '@hvrr/machine';
import { FileOutput, Recorder, TRACE_LEVELS, TraceWriter, WorkerTraceSink, type TraceLevel } from '@hvrr/recorder';
import { CliError } from './cli-error.js';
import { parseCount } from './parse-options.js';
import { runConfigFromOptions } from './run-config-options.js';
import { reportOutcome, runStats, type RunOptions } from './run-command.js';
import { StdioConsole } from './stdio-console.js';


export interface RecordOptions extends RunOptions {
  snapshotEvery?: string;
  output?: string;
  level?: string;
}

export function parseLevel(text: string | undefined): TraceLevel {
  const level = (text ?? 'events') as TraceLevel;
  if (!TRACE_LEVELS.includes(level)) throw new CliError(`invalid --level '${text}': use inputs, events or full`);
  return level;
}

/** `hvrr record <elf> [-o FILE] [--level L]`. */
export async function recordCommand(elfPath: string, opts: RecordOptions): Promise<number> {
  const path = opts.output ?? `${basename(elfPath).replace(/\.elf$/i, '')}.hvrr`;
  return recordRun(elfPath, opts, path, parseLevel(opts.level));
}

function openSink(path: string, level: TraceLevel): TraceWriter | WorkerTraceSink {
  // At the full level the instruction rows are encoded, compressed and written by a
  // worker thread, so the emulator keeps its own core.
  if (level === 'full') return new WorkerTraceSink(path);
  return new TraceWriter(new FileOutput(path));
}

/**
 * Runs an ELF like `hvrr run` while recording it to `path`. Ctrl-C stops at the end of
 * the current step and still closes the trace (footer written); the exit status is
 * the run's, as `hvrr run` gives it.
 */
export async function recordRun(elfPath: string, opts: RunOptions & { snapshotEvery?: string }, path: string, level: TraceLevel): Promise<number> {
  const snapshotEvery = opts.snapshotEvery !== undefined ? parseCount(opts.snapshotEvery, '--snapshot-every') : undefined;
  const config = runConfigFromOptions(elfPath, opts);
  const console = new StdioConsole();
  let sink: ReturnType<typeof openSink>;
  try {
    sink = openSink(path, level);
  } catch (e) {
    throw new CliError(`cannot write trace '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let recorder: Recorder;
  try {
    recorder = new Recorder(config, console, sink, { level, snapshotEvery });
  } catch (e) {
    await abandon(sink, path);
    throw e;
  }
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  const started = process.hrtime.bigint();
  let outcome: RunOutcome | null = null;
  try {
    for (;;) {
      outcome = recorder.step();
      console.flush();
      if (outcome !== null) break;
      if (interrupted) {
        outcome = { kind: 'interrupted' };
        break;
      }
      if (sink instanceof WorkerTraceSink && sink.backlog() > 4) await sink.drained();
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
    recorder.finish(outcome);
    if (sink instanceof WorkerTraceSink) await sink.closed;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== undefined) throw new CliError(`cannot write trace '${path}': ${err.code === 'ENOSPC' ? 'no space left on the device' : err.code}`);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    console.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const machine = recorder.machine;
  reportOutcome(outcome, machine);
  const size = sink.size;
  const n = machine.hart.icount;
  process.stderr.write(
    `hvrr: recorded ${n} instructions at level ${level} to ${path} (${size} bytes, ${n > 0 ? (size / n).toFixed(2) : '-'} bytes per instruction)\n`,
  );
  if (opts.stats) {
    const s = runStats(machine, seconds, outcome, recorder.hypervisor);
    process.stderr.write(`hvrr: ${s.instructions} instructions retired in ${s.seconds.toFixed(3)} s (${s.mips.toFixed(1)} MIPS)\n`);
  }
  return exitStatusOf(outcome);
}

async function abandon(sink: ReturnType<typeof openSink>, path: string): Promise<void> {
  try {
    sink.close();
    if (sink instanceof WorkerTraceSink) await sink.closed;
  } catch {
    // nothing useful was written
  }
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
