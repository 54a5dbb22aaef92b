// The hypervisor's snapshot state (stateContributors, for time travel): save it with the
// hart and RAM in the middle of a two-VM run, run on, restore, run on again: the same
// console output, events and per-VM figures. Under nested, and under trap-and-emulate
// (shadow tables, virtual CSRs, the virtual privilege and PV page typing are all in the
// hart's CSRs, host RAM or the strategy's saved state) with a shadow VM beside a pv VM.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemorySink } from '@hvrr/events';
import { BufferConsole } from '@hvrr/machine';
import { createHypervisorMachine, type VmSpec } from '@hvrr/hypervisor';

const KERNEL = readFileSync(fileURLToPath(new URL('../packages/guests/images/kernel.elf', import.meta.url)));

const RUNS: [string, VmSpec[]][] = [
  [
    'nested',
    [
      { image: KERNEL, imagePath: 'k', bootargs: 'init=forkwait -- 5' },
      { image: KERNEL, imagePath: 'k', bootargs: 'init=timer', memSize: 16 * 1024 * 1024 },
    ],
  ],
  [
    'shadow + pv',
    [
      { image: KERNEL, imagePath: 'k', bootargs: 'init=forkwait -- 5', strategy: 'shadow' },
      { image: KERNEL, imagePath: 'k', bootargs: 'init=timer pv=1', memSize: 16 * 1024 * 1024, strategy: 'pv' },
    ],
  ],
];

describe('hypervisor snapshots', () => {
  it.each(RUNS)('restoring the saved state in the middle of a two-VM run (%s) replays the rest identically', (name, vms) => {
    const console = new BufferConsole();
    const { machine, hypervisor } = createHypervisorMachine({
      vms,
      console,
      quantum: 3000,
    });
    const hart = machine.hart;
    const ram = machine.bus.ram;
    expect(machine.run(900_000)).toBeNull();
    const [contributor] = hypervisor.stateContributors();
    const saved = {
      ram: ram.u8.slice(),
      x: hart.x.slice(),
      csr: hart.csr.slice(),
      pc: hart.pc,
      priv: hart.priv,
      virt: hart.virt,
      icount: hart.icount,
      attempts: hart.attempts,
      mcycle: hart.mcycle.save(),
      minstret: hart.minstret.save(),
      res: [hart.resValid, hart.resAddr] as const,
      hv: structuredClone(contributor!.save()),
    };
    const runRest = () => {
      const sink = new MemorySink();
      machine.attachSink(sink);
      const outcome = machine.run(2_000_000_000);
      machine.attachSink(null);
      return { outcome, text: Buffer.from(console.take()).toString('latin1'), events: sink.events, stats: hypervisor.vmStats() };
    };
    console.take();
    const first = runRest();
    expect(first.outcome).toEqual({ kind: 'pass', how: 'every VM shut down' });

    ram.u8.set(saved.ram);
    hart.invalidateCode(ram.base, ram.size);
    hart.x.set(saved.x);
    hart.csr.set(saved.csr);
    hart.pc = saved.pc;
    hart.priv = saved.priv;
    hart.virt = saved.virt;
    hart.icount = saved.icount;
    hart.attempts = saved.attempts;
    hart.mcycle.restore(saved.mcycle);
    hart.minstret.restore(saved.minstret);
    [hart.resValid, hart.resAddr] = saved.res;
    contributor!.restore(structuredClone(saved.hv));
    machine.outcome = null;
    hart.contextChanged();
    const second = runRest();
    expect(second.text).toBe(first.text);
    expect(second.text).toContain('[vm1] timer: no sleep ended early');
    expect(second.stats).toEqual(first.stats);
    expect(second.events).toEqual(first.events);
    if (name !== 'nested') {
      expect(second.stats[1]!.hypercalls.total).toBeGreaterThan(0);
      expect(first.events.some((e) => e.type === 'exit' && e.resolution === 'shadow-fill')).toBe(true);
    }
  });
});
