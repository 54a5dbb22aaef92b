import { Command, CommanderError, Option } from 'commander';
import { MachineError } from '@hvrr/machine';
import { DEFAULT_SNAPSHOT_EVERY, HVRR_VERSION, TRACE_EVENT_TYPES } from '@hvrr/recorder';
import { CliError } from './cli-error.js';
import { registerDebugCommand } from './debug-command.js';
import { demoCommand, type DemoOptions } from './demo-command.js';
import { disasmCommand } from './disasm-command.js';
import { eventsCommand, type EventsOptions } from './events-command.js';
import { infoCommand, type InfoOptions } from './info-command.js';
import { parseLevel, recordCommand, recordRun, type RecordOptions } from './record-command.js';
import { replayCommand, type ReplayCommandOptions } from './replay-command.js';
import { runCommand, type RunOptions } from './run-command.js';
import { addQueryCommand } from './query-command.js';


function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--mem <size>', 'RAM at 0x80000000 (e.g. 128M, 1G); default 128M')
    .option('--firmware <builtin|PATH>', 'builtin: enter the ELF in S-mode over hvrr\'s SBI; PATH: load a firmware ELF and start it in M-mode with the ELF beside it (as qemu -bios PATH -kernel ELF); default: the ELF starts in M-mode (qemu -bios none)')
    .option('--bootargs <string>', 'kernel command line, in the device tree\'s /chosen/bootargs', '')
    .option('--max-insns <n>', 'stop after n instruction attempts (trapping ones count too); exit status 124')
    .addOption(new Option('--ns-per-insn <ns>', 'guest nanoseconds per retired instruction (the 10 MHz timebase ticks every 100 ns)').default('1'))
    .option('--stats', 'print instructions retired, traps by cause and MIPS to stderr')
    .option('--stats-json <file>', 'write the same figures as JSON (schema: docs/stats.md)')
    .option('--hv', 'run the image as a guest kernel in a VM under hvrr\'s hypervisor (guest RAM at guest-physical 0x80000000, SBI and a UART from the hypervisor)')
    .option('--strategy <name>', 'with --hv: memory virtualization of the VMs: nested (two-stage translation, the H extension), shadow (trap-and-emulate with shadow page tables) or pv (shadow plus the PV MMU hypercalls; boot the kernel with pv=1)')
    .option('--guest-mem <size>', 'with --hv: the VM\'s guest RAM (default 64M; also the default of --vm)')
    .option('--forward-syscalls', 'with --hv: guest system calls exit to the hypervisor, which injects them into the guest kernel at its vstvec (default: delegated, no exit)')
    .option('--vm <spec>', 'with --hv: one more VM, image=PATH[,mem=SIZE][,strategy=NAME][,bootargs=STR] (bootargs last: it takes the rest); repeatable', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--host-mem <size>', 'with --hv: host paging: machine frames for all guest RAM (e.g. 640K; a multiple of 4K, at least 32K); pages beyond it are evicted to the backing store (default: no paging, all guest RAM in host RAM)')
    .option('--backing <store>', 'with --host-mem: where evicted pages live: memory, or file:PATH (real I/O; the file is created or truncated and left in place); default memory')
    .option('--latency <model>', 'with --host-mem: what a page-in or page-out costs in host time: dram (60 ns), ssd (100 us), hdd (10 ms), floppy (250 ms) or measured (the real I/O time); default dram for memory, measured for a file')
    .option('--policy <policy>', 'with --host-mem: replacement policy fifo, lru, clock or random[:SEED]; default clock')
    .option('--time <policy>', 'with --hv: what host stalls do to guest time: virtual (hidden; the default), real (added at once) or catchup[:threshold=DUR,slew=X,limit=DUR] (ticks held back, then delivered faster; defaults 1ms, 1, 1s)');
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('hvrr')
    .description('hvrr: a deterministic record/replay emulator of a RISC-V (RV32IMA) machine with a hypervisor')
    .version(HVRR_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(`hvrr: ${str}`) })
    .exitOverride();

  addRunOptions(
    program
      .command('run')
      .description('run an ELF on the QEMU-virt-like board; the console is stdin/stdout')
      .argument('<elf>', 'the RV32 ELF to run')
      .addHelpText(
        'after',
        '\nExit status: 0 guest passed (finisher 0x5555, HTIF 1, SBI shutdown); 1-123 the guest\'s failure code;\n124 --max-insns reached or the guest idles forever; 125 hvrr error (bad input or options); 130 interrupted.\n\nExamples:\n  hvrr run prog.elf\n  hvrr run --firmware builtin kernel.elf --bootargs "init=hello"\n  hvrr run --firmware firmware.elf kernel.elf --bootargs "init=forkwait -- 100" --stats\n  hvrr run --hv kernel.elf --bootargs "init=hello" --vm image=kernel.elf,bootargs=init=compute\n\nUnder --hv each VM\'s console lines are prefixed [vmN] when there are several; stdin goes to vm0;\nhvrr exits when every VM has stopped, with status 0 only if all succeeded.',
      ),
  )
    .option('--record <file>', 'record the run to a trace file as it runs (same as hvrr record -o FILE)')
    .option('--level <level>', 'with --record: trace level inputs, events or full', 'events')
    .option('--snapshot-every <n>', 'with --record: instruction attempts between the snapshots written into the trace for fast seeking (hvrr debug/query); 0 writes none', String(DEFAULT_SNAPSHOT_EVERY))
    .action(async (elf: string, opts: RunOptions & { record?: string; level?: string; snapshotEvery?: string }) => {
      process.exitCode = opts.record !== undefined ? await recordRun(elf, opts, opts.record, parseLevel(opts.level)) : await runCommand(elf, opts);
    });

  addRunOptions(
    program
      .command('record')
      .description('run an ELF as `hvrr run` does and record it to a trace file')
      .argument('<elf>', 'the RV32 ELF to run')
      .option('-o, --output <file>', 'the trace file to write (default: the ELF\'s name with .hvrr, in the current directory)')
      .option('--level <level>', 'inputs (console input, state hashes, outcome), events (plus traps, interrupts, device accesses, SBI calls, host writes) or full (plus every instruction and state change)', 'events')
      .option('--snapshot-every <n>', 'instruction attempts between the snapshots written into the trace for fast seeking (hvrr debug/query); 0 writes none', String(DEFAULT_SNAPSHOT_EVERY))
      .addHelpText(
        'after',
        '\nExit status: as hvrr run (the guest\'s); 125 also when the trace cannot be written. Ctrl-C stops the run and still closes the trace.\n\nExamples:\n  hvrr record prog.elf -o prog.hvrr\n  hvrr record --firmware builtin kernel.elf --bootargs "init=hello" --level full -o hello.hvrr\n  hvrr run prog.elf --record prog.hvrr --level inputs',
      ),
  ).action(async (elf: string, opts: RecordOptions) => {
    process.exitCode = await recordCommand(elf, opts);
  });

  program
    .command('replay')
    .description('re-execute a trace, verifying every event (and at full level every instruction) against it')
    .argument('<trace>', 'the .hvrr trace')
    .option('--verify', 'compare with the trace as it runs (the default)')
    .option('--no-verify', 'only re-run with the recorded inputs')
    .option('--until <n>', 'stop once n instructions have retired')
    .option('--fold', 'full-level traces: rebuild the final registers and memory from the log alone, executing nothing, and check them against the recorded final state hash')
    .option('--quiet', 'do not print the guest\'s console output again')
    .option('--latency <model>', 'host-paging traces: a latency model for the backing store (dram, ssd, hdd, floppy, measured); accepted, but the recorded latencies win: they are inputs of the run, so the replay stays exact')
    .addHelpText(
      'after',
      '\nExit status: 0 the trace was reproduced exactly (or up to --until); 3 divergence (a report says where and why);\n4 the trace ends early (cut off) but its readable part replayed; 125 unreadable or corrupt trace.',
    )
    .action(async (trace: string, opts: ReplayCommandOptions) => {
      process.exitCode = await replayCommand(trace, opts);
    });

  program
    .command('info')
    .description('describe a trace: header, run configuration, counts by event type, size, bytes per instruction (checks every chunk\'s CRC)')
    .argument('<trace>', 'the .hvrr trace')
    .option('--json', 'print the same as JSON')
    .action((trace: string, opts: InfoOptions) => {
      process.exitCode = infoCommand(trace, opts);
    });

  program
    .command('events')
    .description('list the events of a trace, in instruction-count order')
    .argument('<trace>', 'the .hvrr trace')
    .option('--type <types>', `comma-separated: ${TRACE_EVENT_TYPES.join(', ')}, or all (default: all but insn)`)
    .option('--from <n>', 'only events at instruction count n or later')
    .option('--to <m>', 'only events at instruction count m or earlier')
    .option('--json', 'JSON lines, one event each, fields as docs/trace-format.md names them')
    .action((trace: string, opts: EventsOptions) => {
      process.exitCode = eventsCommand(trace, opts);
    });

  addQueryCommand(program);

  program
    .command('demo')
    .description('run a canned scenario and explain it: floppy = the seeds\' hypervisor paging 8 MiB guests through 640 KiB of RAM onto a floppy, with dilated guest time')
    .argument('<name>', 'the demo: floppy')
    .option('-o, --output <dir>', 'where to write the trace (default: a new temporary directory)')
    .option('--kernel <elf>', 'the guest kernel (default: packages/guests/images/kernel.elf)')
    .option('--level <level>', 'trace level: inputs, events or full', 'events')
    .option('--quiet', 'do not echo the guests\' console output')
    .action(async (name: string, opts: DemoOptions) => {
      process.exitCode = await demoCommand(name, opts);
    });

  program
    .command('disasm')
    .description('disassemble the executable segments of an ELF')
    .argument('<elf>', 'the RV32 ELF')
    .action((elf: string) => {
      process.exitCode = disasmCommand(elf);
    });
  registerDebugCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; commander already printed its message.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 125;
    }
    if (e instanceof CliError || e instanceof MachineError) {
      process.stderr.write(`hvrr: ${e.message}\n`);
      return 125;
    }
    const err = e as Error;
    process.stderr.write(`hvrr: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env.HVRR_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
    else process.stderr.write('hvrr: (set HVRR_DEBUG=1 to see where; please report it)\n');
    return 125;
  }
}

const code = await main(process.argv);
process.exit(code);
