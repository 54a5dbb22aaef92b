import { readFileSync, writeFileSync } from 'node:fs';
import type { Hypervisor, PagingStats, VmStats } from '@hvrr/hypervisor';
import { exitStatusOf, type FirmwareChoice, type Machine, type RunOutcome } from '@hvrr/machine';
import { buildMachine } from '@hvrr/recorder';
import { CliError } from './cli-error.js';
import { parseCount } from './parse-options.js';
import { runConfigFromOptions } from './run-config-options.js';
import { StdioConsole } from './stdio-console.js';

export interface RunOptions {
  mem?: string;
  firmware?: string;
  bootargs?: string;
  maxInsns?: string;
  nsPerInsn?: string;
  stats?: boolean;
  statsJson?: string;
  /** Run the image as a VM under the hypervisor. */
  hv?: boolean;
  strategy?: string;
  guestMem?: string;
  forwardSyscalls?: boolean;
  /** Further VMs: image=PATH[,mem=SIZE][,strategy=NAME][,bootargs=STR]. */
  vm?: string[];
  /** Host paging: the machine frames for guest RAM (SIZE), the backing store, its latency model, the replacement policy. */
  hostMem?: string;
  backing?: string;
  latency?: string;
  policy?: string;
  /** The time policy: virtual, real or catchup[:threshold=DUR,slew=X,limit=DUR]. */
  time?: string;
}

/** Instructions per slice between event-loop turns: about 10–20 ms of guest execution. */
const CHUNK = 2_000_000;

export function readInputFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? e);
    throw new CliError(`cannot read ${what} '${path}': ${why}`);
  }
}

export function firmwareChoice(value: string | undefined): FirmwareChoice {
  if (value === undefined || value === 'none') return { kind: 'none' };
  if (value === 'builtin') return { kind: 'builtin' };
  return { kind: 'elf', image: readInputFile(value, 'firmware'), path: value };
}

/**
 * Runs a machine to its end in slices, yielding to the event loop between them so
 * console input and Ctrl-C are seen. Returns the outcome.
 */
export async function driveMachine(machine: Machine, console: StdioConsole, maxAttempts: number): Promise<RunOutcome> {
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  try {
    let left = maxAttempts;
    for (;;) {
      const before = machine.hart.attempts;
      const outcome = machine.run(Math.min(CHUNK, left));
      left -= machine.hart.attempts - before;
      console.flush();
      if (outcome !== null) return outcome;
      if (left <= 0) return { kind: 'budget' };
      if (interrupted) return { kind: 'interrupted' };
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export async function runCommand(elfPath: string, opts: RunOptions): Promise<number> {
  const maxAttempts = opts.maxInsns !== undefined ? parseCount(opts.maxInsns, '--max-insns') : Infinity;
  const config = runConfigFromOptions(elfPath, opts);
  const console = new StdioConsole();
  const { machine, hypervisor } = buildMachine(config, console);
  const started = process.hrtime.bigint();
  const outcome = await driveMachine(machine, console, maxAttempts);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.close();
  reportOutcome(outcome, machine);
  if (opts.stats || opts.statsJson) {
    const stats = runStats(machine, seconds, outcome, hypervisor);
    if (opts.stats) printStats(stats);
    if (opts.statsJson) {
      try {
        writeFileSync(opts.statsJson, JSON.stringify(stats, null, 2) + '\n');
      } catch (e) {
        throw new CliError(`cannot write --stats-json file '${opts.statsJson}': ${(e as NodeJS.ErrnoException).code ?? e}`);
      }
    }
  }
  return exitStatusOf(outcome);
}

/** Says on stderr why a run ended, when that is not the guest's own clean ending. */
export function reportOutcome(outcome: RunOutcome, machine: Machine): void {
  const at = `after ${machine.hart.icount} instructions, pc 0x${(machine.hart.pc >>> 0).toString(16)}`;
  switch (outcome.kind) {
    case 'budget':
      process.stderr.write(`hvrr: stopped: --max-insns reached (${at})\n`);
      break;
    case 'idle':
      process.stderr.write(`hvrr: stopped: ${outcome.message} (${at})\n`);
      break;
    case 'error':
      process.stderr.write(`hvrr: guest stopped: ${outcome.message}\n`);
      break;
    case 'interrupted':
      process.stderr.write(`hvrr: interrupted (${at})\n`);
      break;
    default:
      break;
  }
}

export interface RunStats {
  instructions: number;
  attempts: number;
  seconds: number;
  mips: number;
  guest_time_ns: number;
  outcome: string;
  exit_status: number;
  traps: { exceptions: Record<string, number>; interrupts: Record<string, number> };
  /** Hypervisor runs: one entry per VM. */
  vms?: VmStats[];
  /** Hypervisor runs with host paging: the pool's size and the pager's totals over every VM. */
  host_paging?: PagingStats & { frames: number };
}

export function runStats(machine: Machine, seconds: number, outcome: RunOutcome, hypervisor: Hypervisor | null = null): RunStats {
  const instructions = machine.hart.icount;
  const stats: RunStats = {
    instructions,
    attempts: machine.hart.attempts,
    seconds: Number(seconds.toFixed(6)),
    mips: Number((seconds > 0 ? instructions / seconds / 1e6 : 0).toFixed(2)),
    guest_time_ns: machine.clock.nanoseconds(instructions),
    outcome: outcome.kind,
    exit_status: exitStatusOf(outcome),
    traps: machine.trapStats(),
  };
  if (hypervisor !== null) stats.vms = hypervisor.vmStats();
  const pager = hypervisor?.pool.hostPager ?? null;
  if (pager !== null) stats.host_paging = { frames: pager.frames, ...pager.totals() };
  return stats;
}

function printStats(s: RunStats): void {
  const lines = [`hvrr: ${s.instructions} instructions retired in ${s.seconds.toFixed(3)} s (${s.mips.toFixed(1)} MIPS)`];
  const list = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  lines.push(`hvrr: exceptions: ${list(s.traps.exceptions)}`);
  lines.push(`hvrr: interrupts: ${list(s.traps.interrupts)}`);
  for (const vm of s.vms ?? []) {
    lines.push(`hvrr: vm${vm.id}: ${vm.instructions} instructions, ${vm.exits.total} exits (${list(vm.exits.byReason)})`);
    const f = vm.hostPageFaults;
    if (f !== undefined && vm.guestTimeNs !== undefined)
      lines.push(`hvrr: vm${vm.id}: host page faults ${f.minor} minor, ${f.major} major; guest time ${(vm.guestTimeNs / 1e6).toFixed(3)} ms, modeled host time ${(vm.hostTimeNs / 1e6).toFixed(3)} ms`);
  }
  const p = s.host_paging;
  if (p !== undefined)
    lines.push(
      `hvrr: host paging: ${p.frames} frames; ${p.pageIns} page-ins, ${p.pageOuts} page-outs, ${p.cleanDrops} clean drops, ${p.writeFailures} failed write-backs (pages kept), ${p.readFailures} failed page-ins; stalls ${(p.stallNs / 1e6).toFixed(3)} ms`,
    );
  process.stderr.write(lines.join('\n') + '\n');
}
