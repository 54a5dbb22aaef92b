import { DEFAULT_MEM_SIZE, Machine, type ConsoleIO, type FirmwareChoice, type MachineConfig } from '@hvrr/machine';
import {
  createHypervisorMachine,
  DEFAULT_QUANTUM,
  formatBacking,
  formatPolicy,
  formatTimePolicy,
  parseBacking,
  parseLatency,
  parsePolicy,
  parseTimePolicy,
  type FailureInjector,
  type HostPagingConfig,
  type Hypervisor,
  type PagingInput,
  type PagingInputRecord,
  type StrategyName,
  type TimePolicySpec,
} from '@hvrr/hypervisor';
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

/** A hypervisor run: the VMs, in order (vm0 first), the scheduling quantum, host paging and the time policy. */
export interface HvRunConfig {
  vms: VmRunConfig[];
  quantum: number;
  /** `--host-mem` and company; absent or null: the frame pool holds all guest RAM. */
  hostPaging?: HostPagingConfig | null;
  /** `--time`; absent: virtual. */
  time?: TimePolicySpec;
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
  const record: HvConfigRecord = {
    quantum: hv.quantum,
    vms: hv.vms.map((vm) => ({ imagePath: vm.imagePath, memSize: vm.memSize, strategy: vm.strategy, bootargs: vm.bootargs, forwardSyscalls: vm.forwardSyscalls })),
  };
  // Only runs that use them carry the new keys, so other traces stay byte-for-byte as before.
  const p = hv.hostPaging ?? null;
  if (p !== null) record.hostPaging = { frames: p.frames, policy: formatPolicy(p.policy), backing: formatBacking(p.backing), latency: p.latency };
  if (hv.time !== undefined && hv.time.name !== 'virtual') record.time = formatTimePolicy(hv.time);
  return record;
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

/**
 * Host-paging inputs while building a machine: where a recording sends them (`record`),
 * or what a replay serves back (`replay`, the trace's recorded inputs in order).
 */
export interface PagingInputs {
  record?: (record: PagingInputRecord) => void;
  replay?: Iterator<PagingInput>;
  /** Tests: make chosen backing-store operations fail (the recording keeps them as inputs). */
  inject?: FailureInjector;
}

/** Builds the machine a run configuration describes: a bare/firmware board, or one running a hypervisor. */
export function buildMachine(rc: RunConfig, console: ConsoleIO, paging: PagingInputs = {}): BuiltMachine {
  if (rc.hv === null) return { machine: new Machine(machineConfig(rc, console)), hypervisor: null };
  const hostPaging = rc.hv.hostPaging ?? null;
  return createHypervisorMachine({
    vms: rc.hv.vms,
    nsPerInsn: rc.nsPerInsn,
    console,
    quantum: rc.hv.quantum,
    hostPaging: hostPaging === null ? null : { config: hostPaging, replay: paging.replay, inject: paging.inject },
    time: rc.hv.time,
    pagingInputs: paging.record ?? null,
  });
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
  const p = hv.hostPaging ?? null;
  return {
    quantum: hv.quantum ?? DEFAULT_QUANTUM,
    vms: hv.vms.map((vm, i) => ({ ...vm, image: images[i]! })),
    hostPaging: p === null ? null : { frames: p.frames, policy: parsePolicy(p.policy), backing: parseBacking(p.backing), latency: parseLatency(p.latency) },
    time: parseTimePolicy(hv.time ?? 'virtual'),
  };
}
