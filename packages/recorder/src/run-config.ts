import { DEFAULT_MEM_SIZE, type ConsoleIO, type FirmwareChoice, type MachineConfig } from '@hvrr/machine';
import type { RunConfigRecord, TraceHeader } from './trace-format.js';

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
  };
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
  };
}
