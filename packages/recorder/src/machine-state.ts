import { parseElf, type Machine } from '@hvrr/machine';
import type { RunConfig } from './run-config.js';
import type { HashedState } from './state-hash.js';

/** -1 stands for "no deadline" (Infinity) in traces and hashes. */
export function finiteOrMinusOne(n: number): number {
  return Number.isFinite(n) ? n : -1;
}

/** The machine's non-RAM state as the state hash and the full-level state events see it. */
export function machineState(machine: Machine): HashedState {
  const hart = machine.hart;
  const [cb, cf] = hart.mcycle.save();
  const [ib, iff] = hart.minstret.save();
  return {
    x: hart.x,
    pc: hart.pc,
    priv: hart.priv,
    csr: hart.csr,
    counters: [cb.toString(), cf.toString(), ib.toString(), iff.toString()],
    clock: [machine.clock.idleInsns, machine.clock.mtimeOffset],
    timers: [finiteOrMinusOne(machine.clint.mtimecmp), finiteOrMinusOne(machine.firmware?.stimecmp ?? Infinity)],
    res: [hart.resValid ? 1 : 0, hart.resAddr],
    host: machine.host === null ? undefined : { virt: hart.virt, state: machine.host.hashedState() },
  };
}

/**
 * Physical ranges [address, length] a freshly built machine wrote into RAM: the ELF
 * segments (of the kernel and of a firmware ELF) and the device tree. All other RAM
 * is still zero.
 */
export function loadedRanges(machine: Machine, config: RunConfig): [number, number][] {
  if (machine.host !== null) return machine.host.loadedRanges();
  const ranges: [number, number][] = machine.elf.segments.map((s) => [s.paddr, s.memsz]);
  if (config.firmware.kind === 'elf') for (const s of parseElf(config.firmware.image).segments) ranges.push([s.paddr, s.memsz]);
  ranges.push([machine.dtbAddress, machine.dtb.length]);
  return ranges;
}
