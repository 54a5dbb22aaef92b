import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_QUANTUM, describeHostPaging, formatTimePolicy, parseHostPaging, parseTimePolicy } from '@hvrr/hypervisor';
import { exitStatusOf, type ConsoleIO } from '@hvrr/machine';
import { FileOutput, Recorder, TraceWriter, type RunConfig, type TraceLevel } from '@hvrr/recorder';
import { CliError } from './cli-error.js';
import { DemoPhases, type Phase } from './demo-phases.js';
import { readInputFile } from './run-command.js';

export interface DemoOptions {
  output?: string;
  kernel?: string;
  level?: string;
  quiet?: boolean;
}

const KERNEL = fileURLToPath(new URL('../../guests/images/kernel.elf', import.meta.url));
const GUEST_MEM = 8 * 1024 * 1024;
const HOST_MEM = 640 * 1024;

/**
 * The seeds' scenario as one run: a hypervisor with 640 KiB of real RAM for its guests
 * pages 8 MiB VMs onto a floppy (250 ms per page transfer), and their sense of time is
 * dilated under the catchup policy. One recording, two VMs sharing the pool: vm0 runs
 * memtouch over 3 MiB (it thrashes), vm1 runs timer (it sleeps, its pages are evicted by
 * vm0's pressure, and each wake-up waits for the floppy). Two VMs rather than two
 * recordings because the timer alone fits in 640 KiB and would never see the floppy.
 */
export function floppyDemoConfig(kernel: Uint8Array, kernelPath: string): RunConfig {
  const vm = (bootargs: string) => ({ image: kernel, imagePath: kernelPath, memSize: GUEST_MEM, strategy: 'nested' as const, bootargs, forwardSyscalls: false });
  const vms = [vm('init=memtouch -- 3072'), vm('init=timer')];
  return {
    elf: kernel,
    elfPath: kernelPath,
    memSize: GUEST_MEM,
    firmware: { kind: 'none' },
    bootargs: vms[0]!.bootargs,
    nsPerInsn: 1,
    maxAttempts: null,
    hv: {
      vms,
      quantum: DEFAULT_QUANTUM,
      hostPaging: parseHostPaging({ hostMem: HOST_MEM, latency: 'floppy' }),
      time: parseTimePolicy('catchup'),
    },
  };
}

/** Console output split into lines per VM ([vmN] prefixes), echoed unless quiet. */
class LineConsole implements ConsoleIO {
  private line: number[] = [];
  constructor(
    private readonly onLine: (vm: number, text: string) => void,
    private readonly echo: boolean,
  ) {}
  write(byte: number): void {
    if (byte !== 10) {
      this.line.push(byte & 0xff);
      return;
    }
    const text = Buffer.from(this.line).toString('latin1');
    this.line = [];
    if (this.echo) process.stdout.write(text + '\n');
    const m = /^\[vm(\d+)\] (.*)$/.exec(text);
    if (m !== null) this.onLine(Number(m[1]), m[2]!);
  }
  hasInput(): boolean {
    return false;
  }
  read(): number {
    return -1;
  }
}

/** `hvrr demo floppy [-o DIR] [--kernel ELF] [--level L] [--quiet]`. */
export async function demoCommand(name: string, opts: DemoOptions): Promise<number> {
  if (name !== 'floppy') throw new CliError(`unknown demo '${name}': available demos: floppy`);
  const level = (opts.level ?? 'events') as TraceLevel;
  if (!['inputs', 'events', 'full'].includes(level)) throw new CliError(`invalid --level '${opts.level}': use inputs, events or full`);
  const kernelPath = opts.kernel ?? (relative(process.cwd(), KERNEL) || KERNEL);
  const config = floppyDemoConfig(readInputFile(kernelPath, 'kernel ELF'), kernelPath);
  let dir: string;
  try {
    dir = opts.output ?? mkdtempSync(join(tmpdir(), 'hvrr-demo-floppy-'));
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new CliError(`cannot create the output directory '${opts.output}': ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const trace = join(dir, 'floppy.hvrr');
  const hv = config.hv!;
  const out = (s: string) => process.stdout.write(s + '\n');
  out(`hvrr demo floppy: two VMs of ${GUEST_MEM / 1024 / 1024} MiB (vm0: memtouch 3 MiB, vm1: timer) share ${describeHostPaging(hv.hostPaging!)}`);
  out(`time policy ${formatTimePolicy(hv.time!)}: a stall holds the guest's ticks back, then the backlog comes at up to twice the nominal rate (past 1 s it is dropped)`);
  out(`recording to ${trace} (level ${level})\n`);

  let phases: DemoPhases | null = null;
  const console = new LineConsole((vm, text) => phases?.line(vm, text), !opts.quiet);
  let recorder: Recorder;
  try {
    recorder = new Recorder(config, console, new TraceWriter(new FileOutput(trace)), { level });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new CliError(`cannot write trace '${trace}': ${code}`);
    throw e;
  }
  phases = new DemoPhases(recorder.hypervisor!);
  let outcome = recorder.step();
  while (outcome === null) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    outcome = recorder.step();
  }
  recorder.finish(outcome);

  out('');
  out(phaseTable(phases.finish()));
  const stats = recorder.hypervisor!.vmStats();
  for (const s of stats)
    out(`vm${s.id}: guest time ${ms(s.guestTimeNs)}, modeled host time ${ms(s.hostTimeNs)} (×${ratio(s.hostTimeNs, s.guestTimeNs)}); host page faults ${s.hostPageFaults.minor} minor, ${s.hostPageFaults.major} major`);
  out('');
  out(`trace: ${trace}`);
  out(`  replay it exactly:            hvrr replay ${trace}`);
  out(`  on another "disk":            hvrr replay ${trace} --latency hdd   (the recorded latencies win: they are inputs)`);
  out(`  see the faults and the clock: hvrr events ${trace} --type hpf,time`);
  return exitStatusOf(outcome);
}

function ms(ns: number): string {
  return ns >= 1e9 ? `${(ns / 1e9).toFixed(3)} s` : `${(ns / 1e6).toFixed(3)} ms`;
}

function ratio(host: number, guest: number): string {
  return guest > 0 ? (host / guest).toFixed(host / guest >= 100 ? 0 : 1) : '-';
}

/** Guest time against host time, phase by phase. */
export function phaseTable(phases: Phase[]): string {
  const rows = [['vm', 'phase', 'instructions', 'guest time', 'host time', 'host/guest', 'faults min/maj', 'ticks dropped']];
  for (const p of phases)
    rows.push([`vm${p.vm}`, p.label, String(p.instructions), ms(p.guestNs), ms(p.hostNs), ratio(p.hostNs, p.guestNs), `${p.minorFaults}/${p.majorFaults}`, ms(p.droppedNs)]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}
