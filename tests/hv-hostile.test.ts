// Hostile guests under the trap-and-emulate strategies: garbage in their page tables,
// PV mappings of memory they do not own, a fault storm. Each gets a fault injected (or an
// SBI error) or is stopped with a clear message; the hypervisor and the other VM go on.
import { describe, expect, it } from 'vitest';
import { MemorySink } from '@hvrr/events';
import { BufferConsole } from '@hvrr/machine';
import { createHypervisorMachine, GUEST_RAM_BASE, type StrategyName } from '@hvrr/hypervisor';
import { guestImage as image, MEM, RESULTS, SRST_SHUTDOWN, victim, word } from './support/hv-guests.js';

const PV = 0x08485652;

/** Counts access faults (1, 5, 7) in s0, page faults (12, 13, 15) in s1, anything else in s2; skips the instruction. */
const HANDLER = `
trap:
  csrr t1, scause
  li t2, 12
  bgeu t1, t2, h_page
  li t2, 1
  beq t1, t2, h_access
  li t2, 5
  beq t1, t2, h_access
  li t2, 7
  beq t1, t2, h_access
  addi s2, s2, 1
  j h_done
h_page:
  addi s1, s1, 1
  j h_done
h_access:
  addi s0, s0, 1
h_done:
  csrr t1, sepc
  addi t1, t1, 4
  csrw sepc, t1
  sret`;

const VICTIM = victim(HANDLER);


function runPair(attacker: string, strategy: StrategyName, budget = 50_000_000) {
  const console = new BufferConsole();
  const sink = new MemorySink();
  const { machine, hypervisor } = createHypervisorMachine({
    vms: [
      { image: image(attacker), imagePath: 'attacker', memSize: MEM, strategy },
      { image: image(VICTIM), imagePath: 'victim', memSize: MEM, strategy: 'shadow' },
    ],
    console,
    quantum: 1000,
  });
  machine.attachSink(sink);
  const outcome = machine.run(budget);
  const [a, v] = hypervisor.vms;
  return { outcome, hypervisor, sink, console, attacker: a!, victim: v!, machine };
}

const ROOT = 0x80040000;
/** Root entries the garbage guest plants (beside an identity megapage for its code), each with the fault a load and a store must get. */
const GARBAGE: [number, number, number][] = [
  [0x100, ((0x90000 << 10) | 0xcf) >>> 0, 0], // a megapage past its RAM: access faults
  [0x101, ((0x12345 << 10) | 0x01) >>> 0, 0], // a table link to a gpa that is not RAM: the walk's access faults
  [0x102, 0xc5, 1], // W without R (reserved): page faults
  [0x103, ((0x80001 << 10) | 0xcf) >>> 0, 1], // a misaligned megapage: page faults
  [0x104, 0xffffffff, 1], // every bit: a U page the kernel may not touch without SUM: page faults
  [0x105, 0x00000000, 1], // invalid: page faults
];

const GARBAGE_GUEST = `
  la t0, trap
  csrw stvec, t0
  li s0, 0
  li s1, 0
  li s2, 0
  li a0, ${ROOT + 0x200 * 4}
  li a1, ${((0x80000 << 10) | 0xcf) >>> 0}
  sw a1, 0(a0)
  li a0, ${ROOT}
${GARBAGE.map(([i, pte]) => `  li a1, ${pte}\n  sw a1, ${i * 4}(a0)`).join('\n')}
  li a1, ${(0x80000000 | (ROOT >>> 12)) >>> 0}
  csrw satp, a1
  sfence.vma
${GARBAGE.map(([i]) => `  li a2, ${(i << 22) >>> 0}\n  lw a3, 16(a2)\n  sw a3, 20(a2)`).join('\n')}
  # Garbage written into the live root afterwards is a ptw; the next access faults too.
  li a1, ${((0x7ffff << 10) | 0x01) >>> 0}
  sw a1, ${0x106 * 4}(a0)
  li a2, ${(0x106 << 22) >>> 0}
  lw a3, 0(a2)
  li t0, ${RESULTS}
  sw s0, 0(t0)
  sw s1, 4(t0)
  sw s2, 8(t0)
  ${SRST_SHUTDOWN}
${HANDLER}`;

describe('hostile guests', () => {
  it.each(['shadow', 'pv'] as const)('garbage in its page tables (%s): each access faults in the guest, exactly as under nested; the other VM is intact', (strategy) => {
    const r = runPair(GARBAGE_GUEST, strategy);
    expect(r.outcome).toEqual({ kind: 'pass', how: 'every VM shut down' });
    const res = r.hypervisor.readGuest(r.attacker, RESULTS, 12);
    const accessFaults = GARBAGE.filter(([, , page]) => page === 0).length * 2 + 1; // + the link past RAM at 0x106
    const pageFaults = GARBAGE.filter(([, , page]) => page === 1).length * 2;
    expect([word(res, 0), word(res, 4), word(res, 8)]).toEqual([accessFaults, pageFaults, 0]);
    const nested = runPair(GARBAGE_GUEST, 'nested');
    const nres = nested.hypervisor.readGuest(nested.attacker, RESULTS, 12);
    expect([word(nres, 0), word(nres, 4), word(nres, 8)]).toEqual([accessFaults, pageFaults, 0]);
    expect(word(r.hypervisor.readGuest(r.victim, RESULTS, 4), 0)).toBe(0);
    const ptws = r.sink.events.filter((e) => e.type === 'ptw' && e.vm === 0);
    expect(ptws).toEqual([expect.objectContaining({ gpa: ROOT + 0x106 * 4, new: ((0x7ffff << 10) | 0x01) >>> 0, how: 'trap' })]);
  });

  it('reaching past its RAM, at devices and at hypervisor state (shadow, paging off): access faults and illegal instructions; its UART works', () => {
    const bad = [GUEST_RAM_BASE + MEM, GUEST_RAM_BASE + 2 * MEM, 0xfffff000, 0x00100000, 0x02000000, 0x10001000, 0x00000000];
    const source = `
  la t0, trap
  csrw stvec, t0
  li s0, 0
  li s1, 0
  li s2, 0
  li s3, 0x0badf00d
${bad.map((a) => `  li a0, ${a >>> 0}\n  lw a1, 0(a0)\n  sw s3, 0(a0)`).join('\n')}
  csrr a1, hgatp
  csrw hstatus, zero
  csrr a1, mstatus
  csrw vsatp, zero
  hfence.gvma
  hlv.w a1, (a0)
  mret
  li a0, 0x10000000
  lbu s4, 5(a0)
  li a1, 0x21
  sb a1, 0(a0)
  li a1, 0x0a
  sb a1, 0(a0)
  li t0, ${RESULTS}
  sw s0, 0(t0)
  sw s1, 4(t0)
  sw s2, 8(t0)
  sw s4, 12(t0)
  ${SRST_SHUTDOWN}
${HANDLER}`;
    const r = runPair(source, 'shadow');
    expect(r.outcome).toEqual({ kind: 'pass', how: 'every VM shut down' });
    const res = r.hypervisor.readGuest(r.attacker, RESULTS, 16);
    expect([word(res, 0), word(res, 4), word(res, 8), word(res, 12)]).toEqual([bad.length * 2, 0, 7, 0x60]);
    expect(r.console.text()).toBe('[vm0] !\n');
    expect(word(r.hypervisor.readGuest(r.victim, RESULTS, 4), 0)).toBe(0);
    // The attacker's marker is nowhere in host RAM but its own frames.
    const ram = r.machine.bus.ram;
    const own = new Set<number>();
    for (let g = GUEST_RAM_BASE; g < GUEST_RAM_BASE + MEM; g += 4096) own.add(r.attacker.strategy.machineAddress(g) & ~0xfff);
    for (let off = 0; off < ram.size; off += 4) if (ram.i32[off >>> 2] === 0x0badf00d) expect(own.has((ram.base + off) & ~0xfff)).toBe(true);
  });

  it('pv mappings of memory it does not own are refused with SBI_ERR_INVALID_PARAM and the count applied', () => {
    const LIST = 0x80070000;
    const TABLE = 0x80060000;
    // Each batch: [pairs...]; results a0, a1 stored in order.
    const batches: [number, number][][] = [
      [[TABLE, ((0x80000 << 10) | 0xcf) >>> 0], [TABLE + 4, ((0x90000 << 10) | 0xcf) >>> 0]], // 2nd maps past its RAM
      [[0x90000000, 0]], // a PTE outside its RAM
      [[GUEST_RAM_BASE, 0]], // a PTE in its code page: data, not a table
      [[TABLE + 8, ((0x12345 << 10) | 0x01) >>> 0]], // a table link outside its RAM
      [[TABLE + 12, ((0x10000 << 10) | 0xc7) >>> 0], [TABLE + 16, 0]], // the UART's page: its own MMIO, allowed
      [[TABLE + 20, ((0x80000 << 10) | 0xc5) >>> 0]], // W without R
    ];
    const store = (pairs: [number, number][], at: number) =>
      pairs.map(([a, v], k) => `  li a1, ${a >>> 0}\n  sw a1, ${at + k * 8}(t4)\n  li a1, ${v >>> 0}\n  sw a1, ${at + k * 8 + 4}(t4)`).join('\n');
    const source = `
  la t0, trap
  csrw stvec, t0
  li s0, 0
  li s1, 0
  li s2, 0
  li t4, ${LIST}
  li t5, ${RESULTS}
  # probe_extension(PV)
  li a7, 0x10
  li a6, 3
  li a0, ${PV}
  ecall
  sw a1, 0(t5)
${batches
  .map(
    (pairs, b) => `${store(pairs, 0)}
  li a7, ${PV}
  li a6, 1
  li a0, ${LIST}
  li a1, ${pairs.length}
  ecall
  sw a0, ${4 + b * 8}(t5)
  sw a1, ${8 + b * 8}(t5)`,
  )
  .join('\n')}
  # set_root to a root outside its RAM
  li a7, ${PV}
  li a6, 2
  li a0, ${(0x80000000 | 0x90000) >>> 0}
  ecall
  sw a0, ${4 + batches.length * 8}(t5)
  ${SRST_SHUTDOWN}
${HANDLER}`;
    const expected = [[-3, 1], [-3, 0], [-3, 0], [-3, 0], [0, 2], [-3, 0]];
    const r = runPair(source, 'pv');
    expect(r.outcome).toEqual({ kind: 'pass', how: 'every VM shut down' });
    const res = r.hypervisor.readGuest(r.attacker, RESULTS, 8 + batches.length * 8);
    expect(word(res, 0)).toBe(1); // offered under pv
    expect(expected.map((_, b) => [word(res, 4 + b * 8) | 0, word(res, 8 + b * 8) | 0])).toEqual(expected);
    expect(word(res, 4 + batches.length * 8) | 0).toBe(-3);
    expect(r.attacker.stats(r.machine.hart.icount).hypercalls).toEqual({ total: 7, pteUpdates: 3 });
    // What was applied landed in its own table page; nothing else moved.
    expect(word(r.hypervisor.readGuest(r.attacker, TABLE, 4), 0)).toBe(((0x80000 << 10) | 0xcf) >>> 0);
    expect(word(r.hypervisor.readGuest(r.attacker, TABLE + 4, 4), 0)).toBe(0);
    expect(word(r.hypervisor.readGuest(r.victim, RESULTS, 4), 0)).toBe(0);

    // Not offered under shadow or nested: the probe says 0 and a call is NOT_SUPPORTED.
    for (const strategy of ['shadow', 'nested'] as const) {
      const other = runPair(source, strategy);
      expect(other.outcome?.kind).toBe('pass');
      const o = other.hypervisor.readGuest(other.attacker, RESULTS, 12);
      expect([word(o, 0), word(o, 4) | 0, word(o, 8)]).toEqual([0, -2, 0]);
    }
  });

  it('a fault storm (its trap vector itself faults) stops that VM with a clear message; the other VM finishes', () => {
    const source = `
  li t0, 0x00001000
  csrw stvec, t0
  li a0, 0x00002000
  lw a1, 0(a0)
  ${SRST_SHUTDOWN}`;
    const r = runPair(source, 'shadow');
    expect(r.outcome?.kind).toBe('error');
    expect(r.outcome).toMatchObject({ message: expect.stringMatching(/^vm0: fault storm: 65 guest exceptions \(last: cause 1 at guest pc 0x1000, tval 0x1000\) with no instruction retired between them$/) });
    expect(r.victim.outcome).toEqual(expect.objectContaining({ kind: 'pass' }));
    expect(word(r.hypervisor.readGuest(r.victim, RESULTS, 4), 0)).toBe(0);
  });
});
