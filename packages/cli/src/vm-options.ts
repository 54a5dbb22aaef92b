import { STRATEGY_NAMES } from '@hvrr/hypervisor';
import { CliError } from './cli-error.js';
import { parseSize } from './parse-options.js';

/** One VM as `--vm` (or the positional image with --hv) describes it, before its image is read. */
export interface VmOption {
  imagePath: string;
  memSize: number;
  strategy: string;
  bootargs: string;
}


/**
 * Parses `image=PATH[,mem=SIZE][,strategy=NAME][,bootargs=STR]` (QEMU-style keys).
 * bootargs comes last and takes the rest of the string, commas included, so a kernel
 * command line needs no quoting beyond the shell's.
 */
export function parseVmOption(text: string, defaults: { memSize: number; strategy: string }): VmOption {
  const vm: Partial<VmOption> = {};
  let rest = text;
  while (rest.length > 0) {
    const eq = rest.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid --vm '${text}': expected key=value pairs, e.g. image=kernel.elf,mem=64M,bootargs=init=hello`);
    const key = rest.slice(0, eq);
    if (key === 'bootargs') {
      vm.bootargs = rest.slice(eq + 1);
      break;
    }
    const comma = rest.indexOf(',', eq);
    const value = comma < 0 ? rest.slice(eq + 1) : rest.slice(eq + 1, comma);
    rest = comma < 0 ? '' : rest.slice(comma + 1);
    if (value === '') throw new CliError(`invalid --vm '${text}': ${key}= needs a value`);
    switch (key) {
      case 'image':
        vm.imagePath = value;
        break;
      case 'mem':
        vm.memSize = parseGuestMem(value, '--vm mem=');
        break;
      case 'strategy':
        vm.strategy = parseStrategy(value, '--vm strategy=');
        break;
      default:
        throw new CliError(`invalid --vm '${text}': unknown key '${key}' (keys: image, mem, strategy, bootargs)`);
    }
  }
  if (vm.imagePath === undefined) throw new CliError(`invalid --vm '${text}': image=PATH is required`);
  return { imagePath: vm.imagePath, memSize: vm.memSize ?? defaults.memSize, strategy: vm.strategy ?? defaults.strategy, bootargs: vm.bootargs ?? '' };
}

export function parseStrategy(text: string, what: string): string {
  if (!(STRATEGY_NAMES as readonly string[]).includes(text)) throw new CliError(`invalid ${what} '${text}': available strategies: ${STRATEGY_NAMES.join(', ')}`);
  return text;
}

/** Guest RAM: a multiple of 4 KiB, at least 1 MiB, at most 1 GiB (it sits at guest-physical 0x80000000). */
export function parseGuestMem(text: string, what: string): number {
  const n = parseSize(text, what);
  if (n < 1024 * 1024 || n > 1024 * 1024 * 1024 || n % 4096 !== 0) throw new CliError(`invalid ${what} '${text}': guest RAM must be a multiple of 4 KiB between 1M and 1G`);
  return n;
}
