import { DEFAULT_GUEST_MEM, DEFAULT_QUANTUM } from '@hvrr/hypervisor';
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
  return { elf: vms[0]!.image, elfPath, memSize, firmware: { kind: 'none' }, bootargs: opts.bootargs ?? '', nsPerInsn, maxAttempts, hv: { vms, quantum: DEFAULT_QUANTUM } };
}
