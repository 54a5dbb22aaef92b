// The seam between the hart and a hypervisor written in TypeScript (the shared
// contract of the H-extension and hypervisor work): when the host's trapToHS returns
// true, run() stops with STOP_VM_EXIT right after the trap into HS-mode is taken,
// before any HS instruction; resumeGuest() does what SRET in HS would; retireEmulated()
// counts the emulated instruction once, rows included.
import { describe, expect, it } from 'vitest';
import { MemorySink } from '@hvrr/events';
import { assemble } from './isa/index.js';
import { CSR } from './csr-numbers.js';
import { STOP_VM_EXIT } from './hart.js';
import { PASS, asmMachine, reg, MODES, addressOf } from '../../../tests/support/asm-machine.js';

const HSTATUS_SPV = 1 << 7;
const HSTATUS_SPVP = 1 << 8;

/** M-mode delegates `medeleg`/`mideleg` bits and enters `guest` in VS (Bare on both stages). */
function program(guest: string, setup = ''): string {
  return `
    la t0, hstrap
    csrw stvec, t0
    ${setup}
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x800
    csrs mstatus, t0
    li t0, 0x80
    csrs mstatush, t0
    la t0, guest
    csrw mepc, t0
    mret
    guest:
    ${guest}
    hstrap:
    li a5, 99
    ${PASS}`;
}

describe.each(MODES)('VM exits through HartHost.trapToHS ($name)', ({ blocks }) => {
  function exitingMachine(source: string) {
    const m = asmMachine(source, { blocks });
    const calls: [number, boolean][] = [];
    // The machine is the hart's host; a hypervisor would answer true here.
    m.machine.trapToHS = (_hart, cause, interrupt) => {
      calls.push([cause, interrupt]);
      return true;
    };
    return { ...m, calls };
  }

  it('an ecall from VS stops run() with STOP_VM_EXIT in HS state, no HS instruction run; resumeGuest returns to VS at sepc', () => {
    const source = program('li a0, 1\nhere: ecall\nli a1, 2\n' + PASS, 'li t0, 0x400\ncsrw medeleg, t0');
    const { machine, hart, calls } = exitingMachine(source);
    const here = addressOf(source, 'here');
    expect(hart.run(10_000)).toBe(STOP_VM_EXIT);
    expect(calls).toEqual([[10, false]]);
    expect(hart.virt).toBe(0);
    expect(hart.priv).toBe(1);
    expect(hart.pc >>> 0).toBe(addressOf(source, 'hstrap'));
    expect(reg(hart, 'a5')).toBe(0);
    expect(hart.csr[CSR.scause]).toBe(10);
    expect(hart.csr[CSR.sepc]! >>> 0).toBe(here);
    expect(hart.csr[CSR.hstatus]! & (HSTATUS_SPV | HSTATUS_SPVP)).toBe(HSTATUS_SPV | HSTATUS_SPVP);
    expect(hart.trapInsn >>> 0).toBe(assemble('ecall')[0]);
    expect(hart.trapEpc >>> 0).toBe(here);

    // The hypervisor handles the call and resumes after it.
    const icount = hart.icount;
    const attempts = hart.attempts;
    hart.csr[CSR.sepc] = here + 4;
    hart.resumeGuest();
    hart.retireEmulated();
    expect(hart.virt).toBe(1);
    expect(hart.priv).toBe(1);
    expect(hart.pc >>> 0).toBe(here + 4);
    expect(hart.csr[CSR.hstatus]! & HSTATUS_SPV).toBe(0);
    expect(hart.icount).toBe(icount + 1);
    expect(hart.attempts).toBe(attempts);

    const outcome = machine.run(10_000);
    expect(outcome?.kind).toBe('pass');
    expect(reg(hart, 'a1')).toBe(2);
    expect(reg(hart, 'a5')).toBe(0);
  });

  it('an interrupt for HS while in VS is an exit too (VSTIP without hideleg: cause 6)', () => {
    const source = program('spin: j spin', 'li t0, 0x40\ncsrw hie, t0\ncsrw hvip, t0');
    const { hart, calls } = exitingMachine(source);
    expect(hart.run(10_000)).toBe(STOP_VM_EXIT);
    expect(calls).toEqual([[6, true]]);
    expect(hart.csr[CSR.scause]! >>> 0).toBe(0x80000006);
    expect(hart.csr[CSR.sepc]! >>> 0).toBe(addressOf(source, 'spin'));
    expect(reg(hart, 'a5')).toBe(0);
    expect(hart.trapInsn).toBe(0);
  });

  it('traps that stay in the guest (delegated to VS) or go to M are not exits', () => {
    const source = program('.word 0xffffffff', 'li t0, 4\ncsrw medeleg, t0\ncsrw hedeleg, t0\nla t0, vstrap\ncsrw vstvec, t0') + `\nvstrap:\nli a4, 4\n${PASS}`;
    const { machine, hart, calls } = exitingMachine(source);
    expect(machine.run(10_000)?.kind).toBe('pass');
    expect(calls).toEqual([]);
    expect(reg(hart, 'a4')).toBe(4);
  });

  it('an emulated instruction writes its row at the full level, so rows stay one per retired instruction', () => {
    const source = program('li a0, 1\nhere: ecall\nli a1, 2\n' + PASS, 'li t0, 0x400\ncsrw medeleg, t0');
    const { machine, hart } = exitingMachine(source);
    const sink = new MemorySink(true, false);
    hart.attachSink(sink);
    const start = hart.icount;
    expect(hart.run(10_000)).toBe(STOP_VM_EXIT);
    const here = addressOf(source, 'here');
    hart.x[10] = 0x77; // as if the hypervisor answered in a0
    hart.csr[CSR.sepc] = here + 4;
    hart.resumeGuest();
    hart.retireEmulated();
    expect(machine.run(10_000)?.kind).toBe('pass');
    hart.flushInsnLog();
    const rows = sink.batches.flatMap((b) => Array.from(b.pc, (pc, i) => ({ icount: b.firstIcount + i, pc: pc >>> 0, raw: b.raw[i]! >>> 0, rd: b.rdValue[i]! })));
    expect(rows.length).toBe(hart.icount - start);
    rows.forEach((row, i) => expect(row.icount).toBe(start + i));
    const emulated = rows.find((row) => row.pc === here);
    expect(emulated).toEqual({ icount: expect.any(Number), pc: here, raw: assemble('ecall')[0], rd: 0 });
  });
});
