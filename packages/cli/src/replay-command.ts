import { divergenceReport, foldTrace, FoldError, formatDivergenceReport, replayFile, TraceError, TraceReader, type FileReplay } from '@hvrr/replayer';
import { parseLatency, type LatencyName } from '@hvrr/hypervisor';
import { CliError } from './cli-error.js';
import { parseCount } from './parse-options.js';
import { StdioConsole } from './stdio-console.js';

export interface ReplayCommandOptions {
  verify?: boolean;
  until?: string;
  fold?: boolean;
  quiet?: boolean;
  /** Host paging: a latency model; the recorded latencies win (a note says so). */
  latency?: string;
}

/** Exit statuses of `hvrr replay` (docs/cli.md). */
export const REPLAY_EXACT = 0;
export const REPLAY_DIVERGED = 3;
export const REPLAY_TRUNCATED = 4;
export const REPLAY_BAD_TRACE = 125;

export function openTrace(path: string): TraceReader {
  try {
    return TraceReader.open(path);
  } catch (e) {
    if (e instanceof TraceError) throw new CliError(e.kind === 'corrupt' ? `corrupt trace '${path}': ${e.message}` : e.message.startsWith('cannot read') ? e.message : `unreadable trace '${path}': ${e.message}`);
    throw e;
  }
}

/**
 * Opens a trace, hands it to `use`, and closes it. A corrupt chunk met on the way is
 * one line on stderr and status 125, as for an unreadable trace.
 */
export function withTrace(path: string, use: (reader: TraceReader) => number): number {
  const reader = openTrace(path);
  try {
    return use(reader);
  } catch (e) {
    if (e instanceof TraceError) {
      process.stderr.write(`hvrr: corrupt trace '${path}': ${e.message}\n`);
      return REPLAY_BAD_TRACE;
    }
    throw e;
  } finally {
    reader.close();
  }
}

/** `hvrr replay <trace> [--verify] [--until N] [--fold] [--quiet]`. */
export async function replayCommand(path: string, opts: ReplayCommandOptions): Promise<number> {
  const until = opts.until !== undefined ? parseCount(opts.until, '--until') : undefined;
  if (opts.fold) {
    const reader = openTrace(path);
    try {
      return foldCommand(reader, path);
    } catch (e) {
      if (e instanceof TraceError) return corrupt(path, e);
      throw e;
    } finally {
      reader.close();
    }
  }
  const latency = opts.latency === undefined ? undefined : latencyOption(opts.latency);
  const probe = openTrace(path); // unreadable traces fail here, with the one-line message
  if (latency !== undefined) {
    const paging = probe.header.config.hv?.hostPaging ?? null;
    process.stderr.write(
      paging === null
        ? `hvrr: --latency ${latency} ignored: this trace has no host paging\n`
        : `hvrr: --latency ${latency}: the trace recorded ${paging.latency} latencies, and the recorded ones win (each stall is an input of the run), so guest time and every event replay as recorded\n`,
    );
  }
  probe.close();
  const out = opts.quiet ? null : new StdioConsole();
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  let run: FileReplay;
  try {
    run = await replayFile(path, {
      verify: opts.verify ?? true,
      until,
      latency,
      output: out === null ? null : (b) => out.write(b),
      afterStep: () => {
        out?.flush();
        return interrupted;
      },
    });
  } catch (e) {
    if (e instanceof TraceError) return corrupt(path, e);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
  const { result: r, replayer, reader } = run;
  try {
    if (run.interrupted) {
      process.stderr.write(`hvrr: replay interrupted at instruction ${replayer.machine.hart.icount}\n`);
      return 130;
    }
    const level = reader.level;
    switch (r.status) {
      case 'exact': {
        const v = replayer.verifier!;
        process.stderr.write(`hvrr: replay exact: ${r.icount} instructions; ${v.eventsMatched} events${level === 'full' ? ' and every instruction' : ''} matched (level ${level})\n`);
        return REPLAY_EXACT;
      }
      case 'unverified':
        process.stderr.write(`hvrr: replayed ${r.icount} instructions without verification\n`);
        return REPLAY_EXACT;
      case 'until':
        process.stderr.write(`hvrr: replay stopped at instruction ${r.icount} as asked (--until); no divergence up to there\n`);
        return REPLAY_EXACT;
      case 'truncated':
        process.stderr.write(
          `hvrr: the trace '${path}' ends early (cut off at byte ${reader.truncatedAt ?? reader.size}): its readable part replayed and verified up to instruction ${r.verifiedTo}\n`,
        );
        return REPLAY_TRUNCATED;
      case 'diverged': {
        const report = divergenceReport(reader, r.mismatch!, r.verifiedTo, replayer.console.position(), replayer.machine.hart.attempts);
        process.stderr.write(formatDivergenceReport(report) + '\n');
        return REPLAY_DIVERGED;
      }
    }
  } catch (e) {
    if (e instanceof TraceError) return corrupt(path, e);
    throw e;
  } finally {
    reader.close();
  }
}

function latencyOption(text: string): LatencyName {
  try {
    return parseLatency(text);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

function corrupt(path: string, e: TraceError): number {
  process.stderr.write(`hvrr: corrupt trace '${path}': ${e.message}\n`);
  return REPLAY_BAD_TRACE;
}

function foldCommand(reader: TraceReader, path: string): number {
  let f;
  try {
    f = foldTrace(reader);
  } catch (e) {
    if (e instanceof FoldError) throw new CliError(`cannot fold '${path}': ${e.message}`);
    throw e;
  }
  const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
  const lines = [`hvrr: folded ${f.rows} instruction rows and ${f.events} events without executing anything`];
  lines.push(`hvrr: final pc ${hex(f.state.pc)}, privilege ${['U', 'S', '?', 'M'][f.state.priv] ?? f.state.priv}`);
  for (let i = 1; i < 32; i += 4)
    lines.push(
      '  ' +
        [i, i + 1, i + 2, i + 3]
          .filter((r) => r < 32)
          .map((r) => `x${r}`.padStart(3) + '=' + hex(f.state.x[r]!))
          .join('  '),
    );
  for (const p of f.problems) lines.push(`hvrr: warning: ${p}`);
  if (f.recordedHash === null) {
    lines.push(`hvrr: folded state hash ${f.hash}; the trace has no end to compare it with (it was cut off)`);
    process.stdout.write(lines.join('\n') + '\n');
    return REPLAY_TRUNCATED;
  }
  const same = f.hash === f.recordedHash;
  lines.push(`hvrr: folded state hash ${f.hash}, recorded final hash ${f.recordedHash}: ${same ? 'equal' : 'DIFFERENT'}`);
  process.stdout.write(lines.join('\n') + '\n');
  return same ? REPLAY_EXACT : REPLAY_DIVERGED;
}
