import { Machine, type ConsoleIO } from '@hvrr/machine';
import { Hypervisor, type HypervisorConfig } from './hypervisor.js';
import type { VmSpec } from './vm-spec.js';

export interface HypervisorMachineConfig {
  vms: VmSpec[];
  /** Guest nanoseconds per retired instruction (default 1). */
  nsPerInsn?: number;
  console: ConsoleIO;
  /** Retired instructions per scheduling turn when several VMs are runnable. */
  quantum?: number;
  /** Host paging, the time policy and where paging inputs go (HypervisorConfig). */
  hostPaging?: HypervisorConfig['hostPaging'];
  time?: HypervisorConfig['time'];
  pagingInputs?: HypervisorConfig['pagingInputs'];
}

/**
 * A Machine whose HS-level software is the hypervisor: drive it like any Machine
 * (run(budget), outcome, attachSink, hart, console); ask the hypervisor for per-VM stats.
 */
export function createHypervisorMachine(config: HypervisorMachineConfig): { machine: Machine; hypervisor: Hypervisor } {
  const nsPerInsn = config.nsPerInsn ?? 1;
  const hypervisor = new Hypervisor({
    vms: config.vms,
    nsPerInsn,
    console: config.console,
    quantum: config.quantum,
    hostPaging: config.hostPaging,
    time: config.time,
    pagingInputs: config.pagingInputs,
  });
  const machine = new Machine({ image: new Uint8Array(0), imagePath: 'hypervisor', nsPerInsn, console: config.console, host: hypervisor });
  return { machine, hypervisor };
}
