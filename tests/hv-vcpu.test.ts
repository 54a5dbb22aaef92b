// A vCPU's time, timer and WFI under the hypervisor, with small bare VS-mode guests:
// `time` is the VM's own clock (htimedelta), set_timer + WFI skips exactly to the
// deadline, the same whether the VM runs alone or beside another, and a WFI nothing can
// end stops only that VM. Console input reaches vm0 only.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assemble } from '@hvrr/cpu';
import { MemorySink } from '@hvrr/events';
import { BufferConsole } from '@hvrr/machine';
import { createHypervisorMachine, GUEST_RAM_BASE, type VmSpec } from '@hvrr/hypervisor';
import { buildTestElf } from './support/test-elf.js';

const MEM = 1024 * 1024;
const RESULTS = 0x80080000;
const SHUTDOWN = 'li a7, 0x53525354\nli a6, 0\nli a0, 0\nli a1, 0\necall';

const guest = (source: string): VmSpec => ({
  image: buildTestElf(assemble(source, { base: GUEST_RAM_BASE }), { base: GUEST_RAM_BASE }),
  imagePath: 'guest',
  memSize: MEM,
});

/** Reads time, sleeps 1000 ticks three times with set_timer + WFI, records each wake-up time. */
const SLEEPER = `
  li s1, ${RESULTS}
  li s2, 3
  csrr s0, time
  sw s0, 0(s1)
loop:
  csrr t0, time
  li t1, 1000
  add a0, t0, t1
  li a1, 0
  li a7, 0x54494d45
  li a6, 0
  ecall
wait:
  wfi
  csrr t2, sip
  andi t2, t2, 0x20
  beqz t2, wait
  csrr t0, time
  addi s1, s1, 4
  sw t0, 0(s1)
  addi s2, s2, -1
  bnez s2, loop
  ${SHUTDOWN}`;

/** Burns instructions, then shuts down. */
const SPINNER = `
  li t0, 200000
spin:
  addi t0, t0, -1
  bnez t0, spin
  ${SHUTDOWN}`;

function run(vms: VmSpec[], quantum?: number, input = '') {
  const console = new BufferConsole(new TextEncoder().encode(input));
  const sink = new MemorySink();
  const hv = createHypervisorMachine({ vms, console, quantum });
  hv.machine.attachSink(sink);
  const outcome = hv.machine.run(50_000_000);
  return { ...hv, outcome, sink, text: console.text() };
}

const words = (b: Uint8Array | null, n: number) => Array.from({ length: n }, (_, i) => (b === null ? NaN : b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24)));

describe('vCPU time, timer and WFI', () => {
  it('set_timer + WFI wakes exactly at the deadline, in the VM’s own time, alone or beside another VM', () => {
    const alone = run([guest(SLEEPER)]);
    expect(alone.outcome?.kind).toBe('pass');
    const times = words(alone.hypervisor.readGuest(alone.hypervisor.vms[0]!, RESULTS, 16), 4);
    for (let i = 1; i < 4; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000);
    // The wait itself adds no time beyond the deadline: woken at deadline, then a few instructions (< 1 tick each).
    for (let i = 1; i < 4; i++) expect(times[i]! - times[i - 1]!).toBeLessThan(1002);
    for (const quantum of [7, 101, 5000]) {
      const both = run([guest(SPINNER), guest(SLEEPER)], quantum);
      expect(both.outcome?.kind).toBe('pass');
      expect(words(both.hypervisor.readGuest(both.hypervisor.vms[1]!, RESULTS, 16), 4)).toEqual(times);
      expect(both.hypervisor.vmStats()[1]!.instructions).toBe(alone.hypervisor.vmStats()[0]!.instructions);
    }
    const irqs = alone.sink.events.filter((e) => e.type === 'irq' && e.irq === 6).map((e) => (e.type === 'irq' ? e.action : ''));
    expect(irqs.filter((a) => a === 'injected').length).toBe(3);
    expect(alone.hypervisor.vmStats()[0]!.exits.byReason.virtual_instruction).toBe(3); // each WFI exits once
  });

  it('property: any quantum and any order of VMs leave each VM’s wake-up times and instruction count unchanged', () => {
    const alone = run([guest(SLEEPER)]);
    const times = words(alone.hypervisor.readGuest(alone.hypervisor.vms[0]!, RESULTS, 16), 4);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 0, max: 2 }), (quantum, at) => {
        const vms = [guest(SPINNER), guest(SPINNER)];
        vms.splice(at, 0, guest(SLEEPER));
        const r = run(vms, quantum);
        expect(r.outcome?.kind).toBe('pass');
        expect(words(r.hypervisor.readGuest(r.hypervisor.vms[at]!, RESULTS, 16), 4)).toEqual(times);
        expect(r.hypervisor.vmStats()[at]!.instructions).toBe(alone.hypervisor.vmStats()[0]!.instructions);
      }),
      { numRuns: 20 },
    );
  });

  it('a WFI that nothing can end stops that VM only; the run then reports it', () => {
    const idle = run([guest('stop: wfi\nj stop')]);
    expect(idle.outcome?.kind).toBe('idle');
    const two = run([guest(SPINNER), guest('stop: wfi\nj stop')], 1000);
    expect(two.outcome).toMatchObject({ kind: 'idle', message: expect.stringContaining('vm1') });
    expect(two.hypervisor.vms[0]!.outcome?.kind).toBe('pass');
  });

  it('console input goes to vm0; the other VM’s UART has none', () => {
    const reader = `
      li a0, 0x10000000
      lbu t0, 5(a0)
      andi t0, t0, 1
      li t1, 0
      beqz t0, done
      lbu t1, 0(a0)
    done:
      li a2, ${RESULTS}
      sw t1, 0(a2)
      ${SHUTDOWN}`;
    const r = run([guest(reader), guest(reader)], 1000, 'Z');
    expect(words(r.hypervisor.readGuest(r.hypervisor.vms[0]!, RESULTS, 4), 1)).toEqual([0x5a]);
    expect(words(r.hypervisor.readGuest(r.hypervisor.vms[1]!, RESULTS, 4), 1)).toEqual([0]);
    const mmio = r.sink.events.filter((e) => e.type === 'mmio');
    expect(mmio.filter((e) => e.vm === 0).map((e) => (e.type === 'mmio' ? [e.op, e.addr, e.value] : []))).toEqual([
      ['read', 0x10000005, 0x61],
      ['read', 0x10000000, 0x5a],
    ]);
  });
});
