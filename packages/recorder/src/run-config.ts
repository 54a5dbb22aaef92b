import { DEFAULT_MEM_SIZE, Machine, type ConsoleIO, type FirmwareChoice, type MachineConfig } from '@hvrr/machine';
import { createHypervisorMachine, DEFAULT_QUANTUM, type Hypervisor, type StrategyName } from '@hvrr/hypervisor';
import type { HvConfigRecord, RunConfigRecord, TraceHeader } from './trace-format.js';

/** One VM of a hypervisor run (`--hv`, `--vm`). */
export interface VmRunConfig {
  image: Uint8Array;
  imagePath: string;
  memSize: number;
  strategy: StrategyName;
  bootargs: string;
  forwardSyscalls: boolean;
}

/** A hypervisor run: the VMs, in order (vm0 first), and the scheduling quantum. */
export interface HvRunConfig {
  vms: VmRunConfig[];
  quantum: number;
}

/** Everything a run depends on besides its inputs: what a trace header must hold to replay it. */
export interface RunConfig {
  elf: Uint8Array;
  elfPath: string;
  memSize: number;
  firmware: FirmwareChoice;
  bootargs: string;
  nsPerInsn: number;
  /** Instruction-attempt limit (--max-insns), or null. */
  maxAttempts: number | null;
  /** Set for `--hv` runs: the VMs the hypervisor runs (then elf/memSize/firmware/bootargs are unused). */
  hv: HvRunConfig | null;
}

export function runConfig(partial: Partial<RunConfig> & { elf: Uint8Array }): RunConfig {
  return {
    elf: partial.elf,
    elfPath: partial.elfPath ?? 'the ELF',
    memSize: partial.memSize ?? DEFAULT_MEM_SIZE,
    firmware: partial.firmware ?? { kind: 'none' },
    bootargs: partial.bootargs ?? '',
    nsPerInsn: partial.nsPerInsn ?? 1,
    maxAttempts: partial.maxAttempts ?? null,
    hv: partial.hv ?? null,
  };
}

export function machineConfig(rc: RunConfig, console: ConsoleIO): MachineConfig {
  return {
    image: rc.elf,
    imagePath: rc.elfPath,
    memSize: rc.memSize,
    firmware: rc.firmware,
    bootargs: rc.bootargs,
    nsPerInsn: rc.nsPerInsn,
    console,
  };
}

export function configRecord(rc: RunConfig): RunConfigRecord {
  return {
    elfPath: rc.elfPath,
    memSize: rc.memSize,
    firmware: rc.firmware.kind,
    firmwarePath: rc.firmware.kind === 'elf' ? rc.firmware.path : null,
    bootargs: rc.bootargs,
    nsPerInsn: rc.nsPerInsn,
    maxAttempts: rc.maxAttempts,
    hv: hvRecord(rc.hv),
  };
}

function hvRecord(hv: HvRunConfig | null): HvConfigRecord | null {
  if (hv === null) return null;
  return {
    quantum: hv.quantum,
    vms: hv.vms.map((vm) => ({ imagePath: vm.imagePath, memSize: vm.memSize, strategy: vm.strategy, bootargs: vm.bootargs, forwardSyscalls: vm.forwardSyscalls })),
  };
}

/** The images a trace header carries for a run configuration. */
export function imagesOf(rc: RunConfig): TraceHeader['images'] {
  const images: TraceHeader['images'] = { elf: rc.elf, firmware: rc.firmware.kind === 'elf' ? rc.firmware.image : null };
  if (rc.hv !== null) images.vms = rc.hv.vms.map((vm) => vm.image);
  return images;
}

/** A machine built from a run configuration, and its hypervisor on `--hv` runs. */
export interface BuiltMachine {
  machine: Machine;
  hypervisor: Hypervisor | null;
}

/** Builds the machine a run configuration describes: a bare/firmware board, or one running a hypervisor. */
export function buildMachine(rc: RunConfig, console: ConsoleIO): BuiltMachine {
  if (rc.hv === null) return { machine: new Machine(machineConfig(rc, console)), hypervisor: null };
  return createHypervisorMachine({ vms: rc.hv.vms, nsPerInsn: rc.nsPerInsn, console, quantum: rc.hv.quantum });
}

/** The run configuration a header describes, with its images. */
export function runConfigOf(header: TraceHeader): RunConfig {
  const c = header.config;
  let firmware: FirmwareChoice;
  if (c.firmware === 'elf') {
    if (header.images.firmware === null) throw new Error('the header names a firmware ELF but holds no firmware image');
    firmware = { kind: 'elf', image: header.images.firmware, path: c.firmwarePath ?? 'firmware' };
  } else firmware = { kind: c.firmware };
  return {
    elf: header.images.elf,
    elfPath: c.elfPath,
    memSize: c.memSize,
    firmware,
    bootargs: c.bootargs,
    nsPerInsn: c.nsPerInsn,
    maxAttempts: c.maxAttempts,
    hv: hvConfigOf(header),
  };
}

function hvConfigOf(header: TraceHeader): HvRunConfig | null {
  const hv = header.config.hv;
  if (hv === undefined || hv === null) return null;
  const images = header.images.vms;
  if (images === undefined || images.length !== hv.vms.length) throw new Error('the header describes VMs but does not hold one image for each');
  return {
    quantum: hv.quantum ?? DEFAULT_QUANTUM,
    vms: hv.vms.map((vm, i) => ({ ...vm, image: images[i]! })),
  };
}
