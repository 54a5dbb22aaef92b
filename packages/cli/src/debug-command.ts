/**
 * `hvrr debug <trace> [--gdb PORT [--listen HOST]]`: opens a recording in the time
 * machine and hands it to a debugger front end: a gdb remote-protocol server (one
 * session; the command ends when gdb detaches or disconnects) or, without --gdb, the
 * REPL on this terminal.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { runRepl, startGdbServer, SymbolTable, type DebugEngine } from '@hvrr/debugger';
import { TimeMachine, TraceError } from '@hvrr/replayer';
import { CliError } from './cli-error.js';
import { parseCount } from './parse-options.js';

export interface DebugOptions {
  gdb?: string;
  listen?: string;
  snapshotEvery?: string;
}

export function registerDebugCommand(program: Command): void {
  program
    .command('debug')
    .description('move around in a recording: a gdb server (--gdb PORT) or, without it, a REPL')
    .argument('<trace>', 'the .hvrr trace')
    .option('--gdb <port>', 'serve the GDB remote protocol on PORT (0: any free port, printed on stderr)')
    .option('--listen <host>', 'with --gdb: the address to listen on', '127.0.0.1')
    .option('--snapshot-every <n>', 'instructions between the time machine\'s snapshots')
    .addHelpText(
      'after',
      "\nWith --gdb, connect with:\n  gdb-multiarch -ex 'set architecture riscv:rv32' -ex 'target remote :PORT' [ELF]\nreverse-stepi, reverse-continue and watchpoints work; writes are refused (a recording cannot change).\nWithout --gdb, type help at the prompt. The REPL keeps its history in ~/.hvrr_debug_history (HVRR_HISTORY=FILE to move it, HVRR_HISTORY= to keep none).\n\nExit status: 0 after the session; 125 unreadable trace or bad options.\nDocumentation: docs/debugging.md",
    )
    .action(async (trace: string, opts: DebugOptions) => {
      process.exitCode = await debugCommand(trace, opts);
    });
}

export async function debugCommand(path: string, opts: DebugOptions): Promise<number> {
  const port = opts.gdb !== undefined ? parseCount(opts.gdb, '--gdb port') : undefined;
  if (port !== undefined && port > 65535) throw new CliError(`invalid --gdb port '${opts.gdb}': expected 0-65535`);
  if (opts.listen !== undefined && opts.listen !== '127.0.0.1' && port === undefined) throw new CliError('--listen needs --gdb PORT');
  const snapshotEvery = opts.snapshotEvery !== undefined ? parseCount(opts.snapshotEvery, '--snapshot-every') : undefined;
  let tm: TimeMachine;
  try {
    tm = TimeMachine.open(path, snapshotEvery !== undefined ? { snapshotEvery } : undefined);
  } catch (e) {
    if (e instanceof TraceError) throw new CliError(`cannot debug '${path}': ${e.message}`);
    throw e;
  }
  const engine: DebugEngine = tm;
  const vm = () => runningVm(tm);
  if (port === undefined) {
    await runRepl(engine, {
      vm,
      symbols: new SymbolTable(tm.machine.elf.symbols),
      historyFile: historyFile(),
      banner: `hvrr debug ${path}: ${engine.endIcount} instructions recorded${tm.vmCount > 0 ? `, ${tm.vmCount} VM${tm.vmCount === 1 ? '' : 's'} (vm N looks at one)` : ''}; at instruction ${engine.icount}`,
    });
    return 0;
  }
  const log = (line: string) => process.stderr.write(`hvrr: ${line}\n`);
  const server = await startGdbServer(engine, { host: opts.listen, port, log, trace: process.env.HVRR_DEBUG_RSP !== undefined, vm });
  const { address, port: bound } = server.address;
  log(`gdb server for '${path}' (${engine.endIcount} instructions${tm.vmCount > 0 ? `; threads: 1 = the machine, ${Array.from({ length: tm.vmCount }, (_, i) => `${i + 2} = vm${i}`).join(', ')}` : ''}) listening on ${address}:${bound}`);
  if (opts.listen !== undefined && opts.listen !== '127.0.0.1' && opts.listen !== 'localhost' && opts.listen !== '::1') log('warning: listening beyond loopback; anyone who can connect can read this recording');
  const onSigint = () => void server.close().then(() => process.exit(130));
  process.once('SIGINT', onSigint);
  await server.sessionEnded;
  process.off('SIGINT', onSigint);
  await server.close();
  return 0;
}

/** The VM on the hart at this position, on hypervisor traces (the hypervisor is the machine's host software). */
function runningVm(tm: TimeMachine): string | undefined {
  const host = tm.machine.host as { current?: { id: number } | null } | null;
  const vm = host?.current;
  return vm ? String(vm.id) : undefined;
}

function historyFile(): string | undefined {
  const env = process.env.HVRR_HISTORY;
  if (env !== undefined) return env === '' ? undefined : env;
  return join(homedir(), '.hvrr_debug_history');
}
