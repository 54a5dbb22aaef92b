// Isolation under the hypervisor: small bare VS-mode guests (assembled here) try to
// reach what is not theirs — gpas past their RAM (where the other VM's frames and the
// G-stage tables lie in host memory), the machine's devices, guest-physical space above
// 4 GiB, the hypervisor's CSRs and instructions — and the other VM's memory must stay
// intact. Every refused access reaches the guest as an access fault (or an illegal
// instruction), counted by its own trap handler; results are read back from guest RAM.
import { describe, expect, it } from 'vitest';
import { MemorySink } from '@hvrr/events';
import { BufferConsole, RAM_BASE } from '@hvrr/machine';
import { createHypervisorMachine, GUEST_RAM_BASE } from '@hvrr/hypervisor';
import { guestImage as image, MEM, RESULTS, SRST_SHUTDOWN, victim, word } from './support/hv-guests.js';


/** Trap handler: counts access faults in s0, illegal instructions in s1, anything else in s2; skips the instruction. */
const HANDLER = `
trap:
  csrr t1, scause
  li t2, 2
  beq t1, t2, h_illegal
  li t2, 5
  beq t1, t2, h_access
  li t2, 7
  beq t1, t2, h_access
  li t2, 1
  beq t1, t2, h_access
  addi s2, s2, 1
  j h_done
h_illegal:
  addi s1, s1, 1
  j h_done
h_access:
  addi s0, s0, 1
h_done:
  csrr t1, sepc
  addi t1, t1, 4
  csrw sepc, t1
  sret`;

/** The attacker: loads and stores outside its RAM, device addresses, H CSRs and instructions. */
const BAD_ADDRESSES = [
  GUEST_RAM_BASE + MEM, // just past its RAM: the other VM's frames follow in host memory
  GUEST_RAM_BASE + 2 * MEM,
  GUEST_RAM_BASE + 3 * MEM - 4,
  0xfffff000,
  0x00100000, // the machine's test finisher
  0x02000000, // the machine's CLINT
  0x0c000000,
  0x10001000, // past the UART
  0x00000000,
];

const ATTACKER = `
  la t0, trap
  csrw stvec, t0
  li s0, 0
  li s1, 0
  li s2, 0
  li s3, 0x0badf00d
${BAD_ADDRESSES.map((a) => `  li a0, ${a}\n  lw a1, 0(a0)\n  sw s3, 0(a0)\n  sb s3, 1(a0)`).join('\n')}
  # The G-stage tables' machine addresses as gpas land in the VM's own RAM: harmless.
  li a0, ${RAM_BASE + 0x8000}
  sw s3, 0(a0)
  # Hypervisor state is not reachable from VS.
  csrr a1, hgatp
  csrw hgatp, zero
  csrw hstatus, zero
  csrr a1, mstatus
  csrw vsatp, zero
  hfence.gvma
  hfence.vvma
  hlv.w a1, (a0)
  mret
  # The UART is there: LSR says the transmitter is empty; a byte goes out.
  li a0, 0x10000000
  lbu s4, 5(a0)
  li a1, 0x21
  sb a1, 0(a0)
  li a1, 0x0a
  sb a1, 0(a0)
  # An unknown SBI extension answers NOT_SUPPORTED (-2).
  li a7, 0x0a000000
  ecall
  mv s5, a0
  li t0, ${RESULTS}
  sw s0, 0(t0)
  sw s1, 4(t0)
  sw s2, 8(t0)
  sw s4, 12(t0)
  sw s5, 16(t0)
  ${SRST_SHUTDOWN}
${HANDLER}`;

const VICTIM = victim(HANDLER);


describe('isolation between VMs and from the hypervisor', () => {
  it('an attacker VM gets access faults and illegal instructions; the victim VM and the G-stage tables stay intact', () => {
    const console = new BufferConsole();
    const sink = new MemorySink();
    const { machine, hypervisor } = createHypervisorMachine({
      vms: [
        { image: image(ATTACKER), imagePath: 'attacker', memSize: MEM },
        { image: image(VICTIM), imagePath: 'victim', memSize: MEM },
      ],
      console,
      quantum: 1000,
    });
    machine.attachSink(sink);
    const tablesBefore = machine.bus.ram.u8.slice(0, 2 * 16384);
    expect(machine.run(50_000_000)).toEqual({ kind: 'pass', how: 'every VM shut down' });
    const [attacker, victim] = hypervisor.vms;
    const a = hypervisor.readGuest(attacker!, RESULTS, 20);
    expect(word(a, 0)).toBe(BAD_ADDRESSES.length * 3); // every load and store refused
    expect(word(a, 4)).toBe(9); // hgatp r/w, hstatus, mstatus, vsatp, hfence x2, hlv, mret
    expect(word(a, 8)).toBe(0);
    expect(word(a, 12)).toBe(0x60); // LSR: THRE | TEMT
    expect(word(a, 16)).toBe((-2 >>> 0));
    expect(console.text()).toBe('[vm0] !\n');
    expect(word(hypervisor.readGuest(victim!, RESULTS, 4), 0)).toBe(0); // no word of the pattern changed
    // The G-stage roots kept their entries (only leaf tables are added after boot, elsewhere).
    const rootsAfter = machine.bus.ram.u8.slice(0, 2 * 16384);
    expect(rootsAfter).toEqual(tablesBefore);
    // The attacker's store to "the tables' address" went to its own RAM.
    expect(word(hypervisor.readGuest(attacker!, RAM_BASE + 0x8000, 4), 0)).toBe(0x0badf00d);
    // No store of the attacker's value landed outside its own frames.
    const ram = machine.bus.ram;
    const own = new Set<number>();
    for (let g = GUEST_RAM_BASE; g < GUEST_RAM_BASE + MEM; g += 4096) own.add(attacker!.strategy.machineAddress(g) - (attacker!.strategy.machineAddress(g) % 4096));
    for (let off = 0; off < ram.size; off += 4) {
      if (ram.i32[off >>> 2] === 0x0badf00d) expect(own.has(ram.base + off - (off % 4096))).toBe(true);
    }
    const exits = sink.events.filter((e) => e.type === 'exit' && e.vm === 0);
    expect(exits.filter((e) => e.type === 'exit' && e.resolution === 'access-fault-injected').length).toBe(BAD_ADDRESSES.length * 3);
    expect(exits.filter((e) => e.type === 'exit' && e.resolution === 'mmio').length).toBe(3);
  });

  it('gpas above 4 GiB (Sv32 leaves with 22-bit PPNs) are refused; table stores are ptws, other stores are not', () => {
    const ROOT = 0x80040000;
    const source = `
      la t0, trap
      csrw stvec, t0
      li s0, 0
      li s1, 0
      li s2, 0
      # Root table: a 4 MiB identity megapage for the code, and va 0x40000000 -> gpa 0x1_8000_0000.
      li a0, ${ROOT + 0x200 * 4}
      li a1, ${((0x80000 << 10) | 0xcf) >>> 0}
      sw a1, 0(a0)
      li a0, ${ROOT}
      li a1, ${((0x180000 << 10) | 0xc7) >>> 0}
      sw a1, ${0x100 * 4}(a0)
      li a1, ${(0x80000000 | (ROOT >>> 12)) >>> 0}
      csrw satp, a1
      sfence.vma
      li a0, 0x40000000
      lw a1, 0(a0)
      sw a1, 8(a0)
      # Now the root is a table: a store to it is a ptw; a store elsewhere is not.
      li a0, ${ROOT}
      li a1, 0x12345000
      sw a1, ${0x101 * 4}(a0)
      li a0, 0x80050000
      sw a1, 0(a0)
      li t0, ${RESULTS}
      sw s0, 0(t0)
      sw s2, 4(t0)
      ${SRST_SHUTDOWN}
    ${HANDLER}`;
    const sink = new MemorySink();
    const { machine, hypervisor } = createHypervisorMachine({ vms: [{ image: image(source), imagePath: 'sv32', memSize: MEM }], console: new BufferConsole() });
    machine.attachSink(sink);
    expect(machine.run(10_000_000)?.kind).toBe('pass');
    const r = hypervisor.readGuest(hypervisor.vms[0]!, RESULTS, 8);
    expect(word(r, 0)).toBe(2); // the load and the store above 4 GiB
    expect(word(r, 4)).toBe(0);
    const gpfs = sink.events.filter((e) => e.type === 'exit' && e.resolution === 'access-fault-injected');
    expect(gpfs.map((e) => (e.type === 'exit' ? e.htval * 4 : 0))).toEqual([0x180000000, 0x180000008]);
    const ptws = sink.events.filter((e) => e.type === 'ptw');
    expect(ptws).toEqual([expect.objectContaining({ type: 'ptw', gpa: ROOT + 0x101 * 4, old: 0, new: 0x12345000, how: 'trap', vm: 0 })]);
    expect(sink.events.filter((e) => e.type === 'exit' && e.resolution === 'satp').length).toBe(1);
  });
});
