import { Replayer, type ReplayOptions, type ReplayResult } from './replayer.js';
import { TraceReader } from './trace-reader.js';
import { WorkerRowChecker } from './worker-row-checker.js';

export interface FileReplayOptions extends Omit<ReplayOptions, 'rows'> {
  /** Called after every step (flush console output); return true to stop (Ctrl-C). */
  afterStep?: () => boolean;
}

export interface FileReplay {
  result: ReplayResult;
  replayer: Replayer;
  reader: TraceReader;
  /** True when afterStep asked to stop. */
  interrupted: boolean;
}

/**
 * Replays a trace file the way the CLI does: step by step, yielding to the event loop
 * between steps, and at the full level with the instruction rows checked in a worker
 * thread. The first difference is the one with the lowest instruction count, whichever
 * side found it. The caller closes `reader`.
 */
export async function replayFile(path: string, options: FileReplayOptions = {}): Promise<FileReplay> {
  const reader = TraceReader.open(path);
  const checker = reader.level === 'full' && (options.verify ?? true) ? new WorkerRowChecker(path) : null;
  let replayer: Replayer;
  try {
    replayer = new Replayer(reader, { ...options, rows: checker ?? undefined });
  } catch (e) {
    await checker?.finish(false);
    throw e;
  }
  let interrupted = false;
  let done = false;
  while (!done) {
    done = replayer.step();
    if (options.afterStep?.()) {
      interrupted = true;
      break;
    }
    if (checker !== null) {
      checker.sync();
      if (checker.backlog() > 3) await checker.drained();
      if (checker.decided) break;
    }
    if (!done) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  let result = replayer.result();
  if (checker !== null) {
    const ranToEnd = done && result.status === 'exact';
    const rows = await checker.finish(ranToEnd);
    if (checker.error !== null) throw checker.error;
    const ev = result.mismatch;
    if (rows.mismatch !== null && (ev === null || rows.mismatch.icount <= ev.icount)) {
      replayer.stop('diverged');
      result = { ...result, status: 'diverged', mismatch: rows.mismatch };
    } else if (ev === null && rows.pastEnd && !interrupted) {
      result = { ...result, status: 'truncated' };
    } else if (!done && !interrupted && ev === null) {
      result = { ...result, status: 'truncated' };
    }
  }
  return { result, replayer, reader, interrupted };
}

/** replayFile for scripts and benchmarks: the result only, reader closed. */
export async function replayTraceFile(path: string, options: FileReplayOptions = {}): Promise<ReplayResult> {
  const r = await replayFile(path, options);
  r.reader.close();
  return r.result;
}
