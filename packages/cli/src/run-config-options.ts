import { DEFAULT_GUEST_MEM, DEFAULT_QUANTUM, parseHostPaging, parseTimePolicy, type HostPagingConfig, type TimePolicySpec } from '@hvrr/hypervisor';
import type { RunConfig, VmRunConfig } from '@hvrr/recorder';
import { CliError } from './cli-error.js';
import { parseCount, parsePositiveNumber, parseSize } from './parse-options.js';
import { firmwareChoice, readInputFile, type RunOptions } from './run-command.js';
import { parseGuestMem, parseStrategy, parseVmOption, type VmOption } from './vm-options.js';

const DEFAULT_MEM = 128 * 1024 * 1024;

/** The run configuration `hvrr run` / `hvrr record` options describe, as a trace header keeps it. */
export function runConfigFromOptions(elfPath: string, opts: RunOptions): RunConfig {
  const nsPerInsn = opts.nsPerInsn !== undefined ? parsePositiveNumber(opts.nsPerInsn, '--ns-per-insn') : 1;
  const maxAttempts = opts.maxInsns !== undefined ? parseCount(opts.maxInsns, '--max-insns') : null;
  if (!opts.hv) {
    for (const [given, flag] of [
      [opts.vm !== undefined && opts.vm.length > 0, '--vm'],
      [opts.guestMem !== undefined, '--guest-mem'],
      [opts.strategy !== undefined, '--strategy'],
      [opts.forwardSyscalls === true, '--forward-syscalls'],
      [opts.hostMem !== undefined, '--host-mem'],
      [opts.backing !== undefined, '--backing'],
      [opts.latency !== undefined, '--latency'],
      [opts.policy !== undefined, '--policy'],
      [opts.time !== undefined, '--time'],
    ] as const)
      if (given) throw new CliError(`${flag} configures a VM: add --hv to run the image under the hypervisor`);
    return {
      elf: readInputFile(elfPath, 'ELF'),
      elfPath,
      memSize: opts.mem !== undefined ? parseSize(opts.mem, '--mem') : DEFAULT_MEM,
      firmware: firmwareChoice(opts.firmware),
      bootargs: opts.bootargs ?? '',
      nsPerInsn,
      maxAttempts,
      hv: null,
    };
  }
  if (opts.mem !== undefined) throw new CliError('--mem sizes a bare machine; under --hv give each VM its RAM with --guest-mem or --vm mem=SIZE');
  if (opts.firmware !== undefined) throw new CliError('--firmware does not apply under --hv: the hypervisor gives its guests SBI itself');
  const strategy = opts.strategy !== undefined ? parseStrategy(opts.strategy, '--strategy') : 'nested';
  const memSize = opts.guestMem !== undefined ? parseGuestMem(opts.guestMem, '--guest-mem') : DEFAULT_GUEST_MEM;
  const options: VmOption[] = [{ imagePath: elfPath, memSize, strategy, bootargs: opts.bootargs ?? '' }];
  for (const text of opts.vm ?? []) options.push(parseVmOption(text, { memSize, strategy }));
  const images = new Map<string, Uint8Array>();
  const vms: VmRunConfig[] = options.map((o, i) => {
    let image = images.get(o.imagePath);
    if (image === undefined) {
      image = readInputFile(o.imagePath, i === 0 ? 'ELF' : `vm${i}'s image`);
      images.set(o.imagePath, image);
    }
    return { image, imagePath: o.imagePath, memSize: o.memSize, strategy: o.strategy as VmRunConfig['strategy'], bootargs: o.bootargs, forwardSyscalls: opts.forwardSyscalls === true };
  });
  const hv = { vms, quantum: DEFAULT_QUANTUM, hostPaging: hostPagingFromOptions(opts), time: timePolicyFromOptions(opts) };
  return { elf: vms[0]!.image, elfPath, memSize, firmware: { kind: 'none' }, bootargs: opts.bootargs ?? '', nsPerInsn, maxAttempts, hv };
}

/** `--host-mem SIZE [--backing B] [--latency L] [--policy P]`; null without --host-mem (no host paging). */
export function hostPagingFromOptions(opts: Pick<RunOptions, 'hostMem' | 'backing' | 'latency' | 'policy'>): HostPagingConfig | null {
  if (opts.hostMem === undefined) {
    for (const [given, flag] of [
      [opts.backing, '--backing'],
      [opts.latency, '--latency'],
      [opts.policy, '--policy'],
    ] as const)
      if (given !== undefined) throw new CliError(`${flag} configures host paging: give the host frame pool's size with --host-mem SIZE (e.g. 640K)`);
    return null;
  }
  const hostMem = parseSize(opts.hostMem, '--host-mem');
  try {
    return parseHostPaging({ hostMem, backing: opts.backing, latency: opts.latency, policy: opts.policy });
  } catch (e) {
    if (e instanceof RangeError) throw new CliError(e.message);
    throw e;
  }
}

/** `--time virtual|real|catchup[:threshold=DUR,slew=X,limit=DUR]` (default virtual). */
export function timePolicyFromOptions(opts: Pick<RunOptions, 'time'>): TimePolicySpec {
  try {
    return parseTimePolicy(opts.time ?? 'virtual');
  } catch (e) {
    if (e instanceof RangeError) throw new CliError(e.message);
    throw e;
  }
}
