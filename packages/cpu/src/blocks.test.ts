// Corner cases of translated blocks (block-compiler.ts, code-cache.ts), where a block
// translator most easily drifts from the interpreter: self-modifying code, code and
// data on one page, faults in the middle of a block, budgets that end inside a block.
// Every case runs with blocks on and off and must give the same architectural result.
import { describe, expect, it } from 'vitest';
import { PTE_A, PTE_D, PTE_R, PTE_V, PTE_W, PTE_X } from '@hvrr/mmu';
import { assemble } from './isa/index.js';
import { CSR } from './csr-numbers.js';
import type { Hart } from './hart.js';
import { PASS, asmMachine, ramWord, reg, runAsm, setRamWord, MODES, addressOf } from '../../../tests/support/asm-machine.js';

const ADDI_A0_ZERO = assemble('addi a0, zero, 0')[0]!;

/**
 * Whether a translated block covering virtual address `va` was made. Only code that
 * runs repeatedly is translated, so the tests below loop: this checks they reach blocks.
 */
function translated(hart: Hart, va: number): boolean {
  const code = hart.code;
  return code.pcs.some((pc, id) => id > 0 && (pc >>> 0) <= va && va < (pc >>> 0) + 4 * code.lens[id]!);
}

describe.each(MODES)('translated-block corner cases ($name)', ({ blocks }) => {
  it('self-modifying code: an instruction rewritten after it ran executes anew after fence.i and a jump back', () => {
    // Each pass runs `patch`, adds a0 to s2, then rewrites `patch` to addi a0, zero, i.
    const source = `
      la t0, patch
      li s4, 1
      li s2, 0
      li s5, 50
      loop:
      patch: addi a0, zero, 0
      add s2, s2, a0
      slli t1, s4, 20
      li t2, ${ADDI_A0_ZERO}
      or t1, t1, t2
      sw t1, 0(t0)
      fence.i
      addi s4, s4, 1
      ble s4, s5, loop
      ${PASS}`;
    const r = runAsm(source, { blocks });
    expect(r.outcome?.kind).toBe('pass');
    // Passes see 0, 1, ..., 49.
    expect(reg(r.hart, 's2')).toBe((49 * 50) / 2);
    expect(reg(r.hart, 'a0')).toBe(49);
  });

  // BUG (blocks only): block-compiler.ts translates FENCE.I as an empty statement that
  // does not end the block ("case 3: // FENCE, FENCE.I"), so a block that contains the
  // store, the fence.i and the rewritten instruction keeps running the copy of that
  // instruction it translated before the store. The interpreter gets it right.
  it('self-modifying code: a store then fence.i makes the very next instruction the new one', () => {
    // Zifencei: FENCE.I makes subsequent instruction fetches see the hart's earlier
    // stores. Each pass writes addi a0, zero, i over `patch`, which follows the fence in
    // straight-line code; a translator must not run the stale copy it made earlier.
    const source = `
      la t0, patch
      li t2, ${ADDI_A0_ZERO}
      li s4, 1
      li s2, 0
      li s5, 50
      loop:
      slli t1, s4, 20
      or t1, t1, t2
      sw t1, 0(t0)
      fence.i
      patch: addi a0, zero, 0
      add s2, s2, a0
      addi s4, s4, 1
      ble s4, s5, loop
      ${PASS}`;
    const r = runAsm(source, { blocks });
    expect(r.outcome?.kind).toBe('pass');
    if (blocks) expect(translated(r.hart, addressOf(source, 'patch'))).toBe(true);
    // Passes run addi a0, zero, 1 ... 50.
    expect(reg(r.hart, 's2')).toBe((50 * 51) / 2);
    expect(reg(r.hart, 'a0')).toBe(50);
  });

  it('code and data on one page: stores next to hot code neither corrupt it nor go stale', () => {
    const source = `
      la s0, data
      li s1, 0
      li t3, 100
      loop:
      lw t0, 0(s0)
      addi t0, t0, 3
      sw t0, 0(s0)
      sb t0, 5(s0)
      add s1, s1, t0
      addi t3, t3, -1
      bnez t3, loop
      lw s2, 4(s0)
      ${PASS}
      data: .word 5
      .word 0`;
    const r = runAsm(source, { blocks });
    if (blocks) expect(translated(r.hart, addressOf(source, 'loop'))).toBe(true);
    const data = addressOf(source, 'data');
    expect(ramWord(r.machine, data)).toBe(305);
    expect(reg(r.hart, 's1')).toBe(100 * 5 + 3 * ((100 * 101) / 2));
    expect(reg(r.hart, 's2')).toBe((305 & 0xff) << 8);
    // la (2) + 2 li + 7 x 100 + lw + PASS (4).
    expect(r.hart.icount).toBe(2 + 2 + 700 + 1 + 4);
  });

  describe('faults in the middle of a block are precise', () => {
    const ROOT = 0x80010000;
    const L0 = 0x80011000;
    const DATA = 0x80020000;
    const pte = (pa: number, flags: number) => (Math.floor(pa / 4096) * 1024 + flags) | 0;

    /** S-mode loop over VA 0x40000f60.., 4 bytes a pass; VA 0x40001000 (pass 41) is unmapped. */
    function pagedLoop(access: string) {
      const source = `
        la t0, trap
        csrw mtvec, t0
        li t0, ${(0x80000000 | (ROOT >>> 12)) >>> 0}
        csrw satp, t0
        li t0, 0x1000
        csrc mstatus, t0
        li t0, 0x800
        csrs mstatus, t0
        la t0, sbody
        csrw mepc, t0
        li a1, 0
        li a2, 0
        mret
        sbody:
        li t1, 0x40000f60
        loop:
        addi a1, a1, 1
        addi a2, a2, 2
        here: ${access}
        addi a1, a1, 1
        addi t1, t1, 4
        j loop
        trap:
        ${PASS}`;
      const m = asmMachine(source, { blocks });
      setRamWord(m.machine, ROOT + 0x200 * 4, pte(0x80000000, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D));
      setRamWord(m.machine, ROOT + 0x100 * 4, pte(L0, PTE_V));
      setRamWord(m.machine, L0, pte(DATA, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D));
      const outcome = m.machine.run(1_000_000);
      return { ...m, outcome, source };
    }

    it.each([
      ['lw a3, 0(t1)', 13],
      ['sw a1, 0(t1)', 15],
      ['lbu a3, 1(t1)', 13],
    ] as const)('%s faulting on the 41st pass: epc, tval, registers and icount exact', (access, cause) => {
      const r = pagedLoop(access);
      if (blocks) expect(translated(r.hart, addressOf(r.source, 'here'))).toBe(true);
      expect(r.hart.csr[CSR.mcause]! >>> 0).toBe(cause);
      expect(r.hart.csr[CSR.mepc]! >>> 0).toBe(addressOf(r.source, 'here'));
      expect(r.hart.csr[CSR.mtval]! >>> 0).toBe(0x40001000 + (access.startsWith('lbu') ? 1 : 0));
      // 40 full passes, then the two addis of the 41st.
      expect(reg(r.hart, 'a1')).toBe(40 * 2 + 1);
      expect(reg(r.hart, 'a2')).toBe(41 * 2);
      // la(2) csrw li(2) csrw li csrc li csrs la(2) csrw li li mret = 17; li t1 (2);
      // 40 passes of 6; 2 addis; the faulting access does not retire; PASS (4).
      expect(r.hart.icount).toBe(17 + 2 + 40 * 6 + 2 + 4);
      expect(r.hart.attempts).toBe(r.hart.icount + 1);
    });

    it('an access fault in the middle of a bare M-mode block (a load past the end of RAM): same precision', () => {
      const source = `
        la t0, trap
        csrw mtvec, t0
        li t1, 0x80ffff60
        li a1, 0
        loop:
        addi a1, a1, 1
        here: lw a3, 0(t1)
        addi a1, a1, 1
        addi t1, t1, 4
        j loop
        trap:
        ${PASS}`;
      const r = runAsm(source, { blocks, memSize: 16 * 1024 * 1024 });
      if (blocks) expect(translated(r.hart, addressOf(source, 'here'))).toBe(true);
      expect(r.hart.csr[CSR.mcause]! >>> 0).toBe(5);
      expect(r.hart.csr[CSR.mepc]! >>> 0).toBe(addressOf(source, 'here'));
      expect(r.hart.csr[CSR.mtval]! >>> 0).toBe(0x81000000);
      expect(reg(r.hart, 'a1')).toBe(81);
      expect(r.hart.icount).toBe(3 + 2 + 1 + 40 * 5 + 1 + 4);
    });
  });

  it('budgets that end inside a block stop at the exact attempt, with the same state as the interpreter', () => {
    const source = `
      li t3, 300
      loop:
      addi a0, a0, 1
      add a1, a1, a0
      xor a2, a2, a1
      slli a3, a2, 3
      sub a4, a3, a1
      addi t3, t3, -1
      bnez t3, loop
      ${PASS}`;
    const m = asmMachine(source, { blocks });
    const reference = asmMachine(source, { blocks: false });
    const steps = [1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113];
    let total = 0;
    for (let k = 0; total < 2200; k++) {
      const n = steps[k % steps.length]!;
      const before = m.hart.attempts;
      const outcome = m.machine.run(n);
      reference.machine.run(n);
      total += n;
      if (outcome === null) expect(m.hart.attempts - before).toBe(n);
      expect(m.hart.icount).toBe(reference.hart.icount);
      expect(m.hart.pc).toBe(reference.hart.pc);
      expect([...m.hart.x]).toEqual([...reference.hart.x]);
    }
    expect(m.machine.outcome?.kind).toBe('pass');
    if (blocks) expect(translated(m.hart, addressOf(source, 'loop'))).toBe(true);
    expect(m.hart.icount).toBe(1 + 7 * 300 + 4);
  });
});
