// Trap delegation, the interrupt-enable stack, xRET/WFI/SFENCE.VMA rules and
// interrupts (priority, enables, delegation, vectored mode, timing), from the RISC-V
// privileged spec 1.12, with assembled programs on a bare machine. Each runs with
// blocks enabled and with the interpreter alone.
import { describe, expect, it } from 'vitest';
import { assemble } from './isa/index.js';
import { CSR } from './csr-numbers.js';
import { PASS, reg, runAsm, type AsmRun, MODES, addressOf } from '../../../tests/support/asm-machine.js';

const PROLOGUE = 'la t0, trap\ncsrw mtvec, t0';
const TRAP_ENDS = `trap:\n${PASS}`;
const MSTATUS_MIE = 0x8;
const MSTATUS_MPIE = 0x80;
const MSTATUS_SIE = 0x2;
const MSTATUS_SPIE = 0x20;
const MSTATUS_SPP = 0x100;
const MSTATUS_MPRV = 0x20000;

/** From M-mode, return to `label` in U or S mode (clobbers t0). */
function enter(mode: 'U' | 'S', label: string): string {
  return `li t0, 0x1800\ncsrc mstatus, t0\n${mode === 'S' ? 'li t0, 0x800\ncsrs mstatus, t0\n' : ''}la t0, ${label}\ncsrw mepc, t0\nmret`;
}

const csr = (r: AsmRun, addr: number) => r.hart.csr[addr]! >>> 0;

describe.each(MODES)('trap delegation and the interrupt-enable stack ($name)', ({ blocks }) => {
  const run = (source: string, budget?: number) => runAsm(source, { blocks, budget });

  it('medeleg sends an ecall from U to S: scause 8, sepc, stval 0, SPP = U; M state untouched', () => {
    const source = `${PROLOGUE}
      la t0, strap
      csrw stvec, t0
      li t0, 0x100
      csrw medeleg, t0
      li t0, 0x77
      csrw mcause, t0
      ${enter('U', 'user')}
      user:
      here: ecall
      strap:
      csrr a0, scause
      csrr a1, sepc
      csrr a2, stval
      csrr a3, sstatus
      ecall
      ${TRAP_ENDS}`;
    const r = run(source);
    expect(reg(r.hart, 'a0')).toBe(8);
    expect(reg(r.hart, 'a1')).toBe(addressOf(source, 'here'));
    expect(reg(r.hart, 'a2')).toBe(0);
    expect(reg(r.hart, 'a3') & MSTATUS_SPP).toBe(0);
    // The handler ran in S: its own ecall reaches M as cause 9.
    expect(csr(r, CSR.mcause)).toBe(9);
  });

  it('a delegated illegal instruction in S goes to S with stval = the instruction and SPP = S', () => {
    const source = `${PROLOGUE}
      la t0, strap
      csrw stvec, t0
      li t0, 0x4
      csrw medeleg, t0
      ${enter('S', 'sup')}
      sup:
      here: .word 0xffffffff
      strap:
      csrr a0, scause
      csrr a1, sepc
      csrr a2, stval
      csrr a3, sstatus
      ecall
      ${TRAP_ENDS}`;
    const r = run(source);
    expect(reg(r.hart, 'a0')).toBe(2);
    expect(reg(r.hart, 'a1')).toBe(addressOf(source, 'here'));
    expect(reg(r.hart, 'a2')).toBe(0xffffffff);
    expect(reg(r.hart, 'a3') & MSTATUS_SPP).toBe(MSTATUS_SPP);
    expect(csr(r, CSR.mcause)).toBe(9);
  });

  it('traps in M-mode are never delegated, whatever medeleg says', () => {
    const source = `${PROLOGUE}
      la t0, strap
      csrw stvec, t0
      li t0, -1
      csrw medeleg, t0
      here: .word 0
      strap: li a0, 99
      ${PASS}
      ${TRAP_ENDS}`;
    const r = run(source);
    expect(csr(r, CSR.mcause)).toBe(2);
    expect(csr(r, CSR.mepc)).toBe(addressOf(source, 'here'));
    expect(reg(r.hart, 'a0')).toBe(0);
    expect(csr(r, CSR.scause)).toBe(0);
  });

  it('a trap from S to M: MPIE = MIE, MIE = 0, MPP = S', () => {
    const source = `${PROLOGUE}
      li t0, ${MSTATUS_MPIE}
      csrs mstatus, t0
      ${enter('S', 'sup')}
      sup:
      ecall
      trap:
      csrr s1, mstatus
      ${PASS}`;
    const r = run(source);
    expect(csr(r, CSR.mcause)).toBe(9);
    expect(reg(r.hart, 's1') & (MSTATUS_MIE | MSTATUS_MPIE | 0x1800)).toBe(MSTATUS_MPIE | 0x800);
  });

  it('M to M: MIE moves to MPIE and back; after MRET MPIE = 1 and MPP = U', () => {
    const source = `
      la t0, mtrap
      csrw mtvec, t0
      csrsi mstatus, ${MSTATUS_MIE}
      ecall
      csrr s2, mstatus
      ${PASS}
      mtrap:
      csrr s1, mstatus
      csrr t2, mepc
      addi t2, t2, 4
      csrw mepc, t2
      li t0, 0x1800
      csrs mstatus, t0
      mret`;
    const r = run(source);
    // In the handler: MIE = 0, MPIE = 1, MPP = M.
    expect(reg(r.hart, 's1') & (MSTATUS_MIE | MSTATUS_MPIE | 0x1800)).toBe(MSTATUS_MPIE | 0x1800);
    // After MRET to M: MIE = 1 again, MPIE = 1, MPP = U (the least-privileged mode).
    expect(reg(r.hart, 's2') & (MSTATUS_MIE | MSTATUS_MPIE | 0x1800)).toBe(MSTATUS_MIE | MSTATUS_MPIE);
  });

  it('S to S: SIE moves to SPIE, SPP = S; SRET restores SIE, sets SPIE and SPP = U', () => {
    const source = `${PROLOGUE}
      la t0, strap
      csrw stvec, t0
      li t0, 0x200
      csrw medeleg, t0
      ${enter('S', 'sup')}
      sup:
      csrsi sstatus, ${MSTATUS_SIE}
      ecall
      csrr s2, sstatus
      ebreak
      strap:
      csrr s1, sstatus
      csrr t2, sepc
      addi t2, t2, 4
      csrw sepc, t2
      sret
      ${TRAP_ENDS}`;
    const r = run(source);
    expect(reg(r.hart, 's1') & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP)).toBe(MSTATUS_SPIE | MSTATUS_SPP);
    expect(reg(r.hart, 's2') & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP)).toBe(MSTATUS_SIE | MSTATUS_SPIE);
    // The ebreak at the end is not delegated: M sees it from S.
    expect(csr(r, CSR.mcause)).toBe(3);
    expect((csr(r, CSR.mstatus) >>> 11) & 3).toBe(1);
  });

  it('MRET to S or U clears MPRV; MRET to M keeps it', () => {
    const toLower = `${PROLOGUE}
      li t0, ${MSTATUS_MPRV}
      csrs mstatus, t0
      ${enter('S', 'sup')}
      sup: ecall
      ${TRAP_ENDS}`;
    expect(csr(run(toLower), CSR.mstatus) & MSTATUS_MPRV).toBe(0);
    const toM = `${PROLOGUE}
      li t0, ${MSTATUS_MPRV | 0x1800}
      csrs mstatus, t0
      la t0, back
      csrw mepc, t0
      mret
      back: csrr a0, mstatus
      ${TRAP_ENDS}`;
    expect(reg(run(toM).hart, 'a0') & MSTATUS_MPRV).toBe(MSTATUS_MPRV);
  });

  it('SRET clears MPRV too (it always returns below M)', () => {
    const source = `${PROLOGUE}
      li t0, ${MSTATUS_MPRV | MSTATUS_SPP}
      csrs mstatus, t0
      la t0, sup
      csrw sepc, t0
      sret
      sup: csrr a0, sstatus
      ecall
      ${TRAP_ENDS}`;
    const r = run(source);
    // SRET from M is allowed and goes to SPP = S.
    expect(csr(r, CSR.mcause)).toBe(9);
    expect(csr(r, CSR.mstatus) & MSTATUS_MPRV).toBe(0);
  });
});

describe.each(MODES)('xRET, WFI, SFENCE.VMA and satp rules ($name)', ({ blocks }) => {
  /** Runs `insn` in `mode` after `setup`; reports the trap M-mode saw. */
  function attempt(mode: 'M' | 'S' | 'U', insn: string, setup = ''): { illegal: boolean; tvalIsInsn: boolean; epcIsInsn: boolean; cause: number } {
    const body = mode === 'M' ? 'j go' : enter(mode, 'go');
    // A timer far in the future lets a WFI that waits wake up.
    const source = `${PROLOGUE}
      li t1, 0x2004000
      li t2, 100
      sw t2, 0(t1)
      sw zero, 4(t1)
      la t0, after
      csrw sepc, t0
      ${setup}
      ${body}
      go:
      here: ${insn}
      after: ecall
      ${TRAP_ENDS}`;
    const r = runAsm(source, { blocks });
    const cause = csr(r, CSR.mcause);
    return {
      illegal: cause === 2,
      cause,
      tvalIsInsn: csr(r, CSR.mtval) === assemble(insn)[0]! >>> 0,
      epcIsInsn: csr(r, CSR.mepc) === addressOf(source, 'here'),
    };
  }
  const illegal = { illegal: true, tvalIsInsn: true, epcIsInsn: true };
  const TSR = 'li t0, 0x400000\ncsrs mstatus, t0';
  const TW = 'li t0, 0x200000\ncsrs mstatus, t0';
  const TVM = 'li t0, 0x100000\ncsrs mstatus, t0';

  it('MRET is illegal in S and U', () => {
    expect(attempt('S', 'mret')).toMatchObject(illegal);
    expect(attempt('U', 'mret')).toMatchObject(illegal);
  });

  it('SRET is illegal in U, and in S when TSR = 1; allowed in S without TSR and in M with TSR', () => {
    expect(attempt('U', 'sret')).toMatchObject(illegal);
    expect(attempt('S', 'sret', TSR)).toMatchObject(illegal);
    expect(attempt('S', 'sret').illegal).toBe(false);
    expect(attempt('M', 'sret', TSR).illegal).toBe(false);
  });

  it('WFI is illegal in U, and in S when TW = 1; it retires in S without TW and in M even with TW', () => {
    expect(attempt('U', 'wfi')).toMatchObject(illegal);
    expect(attempt('S', 'wfi', TW)).toMatchObject(illegal);
    expect(attempt('S', 'wfi')).toMatchObject({ illegal: false, cause: 9 });
    expect(attempt('M', 'wfi', TW)).toMatchObject({ illegal: false, cause: 11 });
  });

  it('SFENCE.VMA is illegal in U, and in S when TVM = 1', () => {
    expect(attempt('U', 'sfence.vma')).toMatchObject(illegal);
    expect(attempt('S', 'sfence.vma', TVM)).toMatchObject(illegal);
    expect(attempt('S', 'sfence.vma zero, zero')).toMatchObject({ illegal: false, cause: 9 });
    expect(attempt('M', 'sfence.vma', TVM)).toMatchObject({ illegal: false, cause: 11 });
  });

  it('satp access is illegal in S when TVM = 1', () => {
    expect(attempt('S', 'csrw satp, zero', TVM)).toMatchObject(illegal);
    expect(attempt('S', 'csrr a0, satp', TVM)).toMatchObject(illegal);
    expect(attempt('S', 'csrr a0, satp')).toMatchObject({ illegal: false, cause: 9 });
  });
});

describe.each(MODES)('interrupts ($name)', ({ blocks }) => {
  const run = (source: string, budget?: number) => runAsm(source, { blocks, budget });

  /** Raises MSIP (CLINT), MTIP (mtimecmp = 0) and SEIP, SSIP, STIP (mip) at once. */
  const RAISE_ALL = `
    li t0, 0x2000000
    li t1, 1
    sw t1, 0(t0)
    li t0, 0x2004000
    sw zero, 0(t0)
    sw zero, 4(t0)
    li t0, 0x222
    csrs mip, t0
    li t0, 0xaaa
    csrs mie, t0`;

  /** A handler that logs xcause to the word at s0++, clears the interrupt's source and returns. */
  const handler = (name: string, x: 'm' | 's') => `
    ${name}:
    csrr t2, ${x}cause
    sw t2, 0(s0)
    addi s0, s0, 4
    andi t3, t2, 31
    li t4, 3
    bne t3, t4, ${name}_not_msi
    li t5, 0x2000000
    sw zero, 0(t5)
    ${name}_not_msi:
    li t4, 7
    bne t3, t4, ${name}_not_mti
    li t5, 0x2004000
    li t4, -1
    sw t4, 4(t5)
    ${name}_not_mti:
    li t4, 1
    sll t4, t4, t3
    csrc ${x === 'm' ? 'mip' : 'sip'}, t4
    ${x}ret`;

  const log = (r: AsmRun, n: number) => {
    const ram = r.machine.bus.ram;
    return [...ram.i32.subarray((0x80100000 - ram.base) / 4, (0x80100000 - ram.base) / 4 + n)].map((v) => v >>> 0);
  };

  it('in M-mode, all pending and enabled: taken in the order MSI, MTI, SEI, SSI, STI', () => {
    const source = `
      la t0, mh
      csrw mtvec, t0
      li s0, 0x80100000
      ${RAISE_ALL}
      csrsi mstatus, ${MSTATUS_MIE}
      nop
      ${PASS}
      ${handler('mh', 'm')}`;
    const r = run(source);
    expect(r.outcome?.kind).toBe('pass');
    expect(log(r, 6)).toEqual([0x80000003, 0x80000007, 0x80000009, 0x80000001, 0x80000005, 0]);
  });

  it('with S interrupts delegated, from U: M-level first (to M), then S-level (to S) in priority order', () => {
    // S cannot clear STIP or SEIP itself: its handler asks M to, with an ecall (a7 = bit).
    const source = `
      la t0, mh
      csrw mtvec, t0
      la t0, sh
      csrw stvec, t0
      li t0, 0x222
      csrw mideleg, t0
      li s0, 0x80100000
      ${RAISE_ALL}
      ${enter('U', 'user')}
      user:
      nop
      nop
      li a0, 1
      ecall
      sh:
      csrr t2, scause
      sw t2, 0(s0)
      addi s0, s0, 4
      andi a7, t2, 31
      ecall
      sret
      mh:
      csrr t2, mcause
      bltz t2, mirq
      li t3, 9
      beq t2, t3, mclear
      ${PASS}
      mclear:
      li t4, 1
      sll t4, t4, a7
      csrc mip, t4
      csrr t3, mepc
      addi t3, t3, 4
      csrw mepc, t3
      mret
      ${handler('mirq', 'm')}`;
    const r = run(source);
    expect(r.outcome?.kind).toBe('pass');
    expect(log(r, 6)).toEqual([0x80000003, 0x80000007, 0x80000009, 0x80000001, 0x80000005, 0]);
    expect(reg(r.hart, 'a0')).toBe(1);
    expect(csr(r, CSR.mcause)).toBe(8);
  });

  it('delegated S interrupts are never taken in M, even with MIE and SIE set; they are at once in S', () => {
    const source = `
      la t0, mh
      csrw mtvec, t0
      la t0, sh
      csrw stvec, t0
      li t0, 0x222
      csrw mideleg, t0
      li t0, 0x2
      csrs mie, t0
      csrs mip, t0
      csrsi mstatus, ${MSTATUS_MIE | MSTATUS_SIE}
      li a0, 0
      li a1, 0
      nop
      nop
      li a0, 1
      ${enter('S', 'sup')}
      sup:
      here: li a1, 2
      sh:
      csrr s1, scause
      csrr s2, sepc
      ecall
      mh:
      ${PASS}`;
    const r = run(source);
    expect(reg(r.hart, 'a0')).toBe(1);
    expect(reg(r.hart, 's1')).toBe(0x80000001);
    expect(reg(r.hart, 's2')).toBe(addressOf(source, 'here'));
    expect(reg(r.hart, 'a1')).toBe(0);
    expect(csr(r, CSR.mcause)).toBe(9);
  });

  it('S-level interrupts wait for SIE in S but not in U; M-level ones ignore MIE below M', () => {
    const sWithoutSie = `
      la t0, mh
      csrw mtvec, t0
      la t0, sh
      csrw stvec, t0
      li t0, 0x222
      csrw mideleg, t0
      li t0, 0x2
      csrs mie, t0
      csrs mip, t0
      ${enter('S', 'sup')}
      sup:
      nop
      nop
      li a0, 7
      ecall
      sh:
      li a0, 5
      ecall
      mh:
      ${PASS}`;
    expect(reg(run(sWithoutSie).hart, 'a0')).toBe(7);
    const uWithoutSie = sWithoutSie.replace(enter('S', 'sup'), enter('U', 'sup'));
    expect(reg(run(uWithoutSie).hart, 'a0')).toBe(5);
    const mLevelInS = `
      la t0, mh
      csrw mtvec, t0
      li t0, 0x8
      csrs mie, t0
      ${enter('S', 'sup')}
      sup:
      li t0, 0x2000000
      li t1, 1
      li a0, 0
      sw t1, 0(t0)
      here: li a0, 7
      ecall
      mh:
      ${PASS}`;
    const r = run(mLevelInS);
    expect(csr(r, CSR.mcause)).toBe(0x80000003);
    expect(csr(r, CSR.mepc)).toBe(addressOf(mLevelInS, 'here'));
    expect(reg(r.hart, 'a0')).toBe(0);
    expect((csr(r, CSR.mstatus) >>> 11) & 3).toBe(1);
  });

  it('an interrupt enabled by a CSR write is taken before the next instruction (mepc = that instruction)', () => {
    const source = `
      la t0, mh
      csrw mtvec, t0
      li t0, 0x8
      csrs mie, t0
      li t0, 0x2000000
      li t1, 1
      sw t1, 0(t0)
      li a0, 0
      csrsi mstatus, ${MSTATUS_MIE}
      here: li a0, 1
      li a0, 2
      mh:
      ${PASS}`;
    const r = run(source);
    expect(csr(r, CSR.mcause)).toBe(0x80000003);
    expect(csr(r, CSR.mepc)).toBe(addressOf(source, 'here'));
    expect(reg(r.hart, 'a0')).toBe(0);
  });

  it('a masked interrupt (MIE = 0 in M) is not taken', () => {
    const source = `
      la t0, mh
      csrw mtvec, t0
      li t0, 0x8
      csrs mie, t0
      li t0, 0x2000000
      li t1, 1
      sw t1, 0(t0)
      nop
      li a0, 3
      ${PASS}
      mh: li a0, 9
      ${PASS}`;
    const r = run(source);
    expect(reg(r.hart, 'a0')).toBe(3);
    expect(csr(r, CSR.mip) & 0x8).toBe(0x8);
  });

  it('mtvec vectored: interrupts go to base + 4 x cause, exceptions to base', () => {
    const table = `
      .align 6
      vec:
      j v_exc
      j v_bad
      j v_bad
      j v_msi
      j v_bad
      j v_bad
      j v_bad
      j v_mti
      v_bad: li a0, 99
      ${PASS}
      v_exc: li a0, 100
      ${PASS}
      v_msi: li a0, 3
      ${PASS}
      v_mti: li a0, 7
      ${PASS}`;
    const msi = `
      la t0, vec
      ori t0, t0, 1
      csrw mtvec, t0
      li t0, 0x8
      csrs mie, t0
      li t0, 0x2000000
      li t1, 1
      sw t1, 0(t0)
      csrsi mstatus, ${MSTATUS_MIE}
      nop
      ${PASS}
      ${table}`;
    expect(reg(run(msi).hart, 'a0')).toBe(3);
    const mti = msi.replace('li t0, 0x8\n', 'li t0, 0x80\n').replace('li t0, 0x2000000', 'li t0, 0x2004000').replace('sw t1, 0(t0)', 'sw zero, 0(t0)\nsw zero, 4(t0)');
    expect(reg(run(mti).hart, 'a0')).toBe(7);
    const exc = msi.replace('csrsi mstatus', 'ecall\ncsrsi mstatus');
    const r = run(exc);
    expect(reg(r.hart, 'a0')).toBe(100);
    expect(csr(r, CSR.mcause)).toBe(11);
  });

  it('stvec vectored: a delegated SSI goes to base + 4', () => {
    const source = `
      la t0, trap
      csrw mtvec, t0
      la t0, svec
      ori t0, t0, 1
      csrw stvec, t0
      li t0, 0x222
      csrw mideleg, t0
      li t0, 2
      csrs mie, t0
      csrs mip, t0
      ${enter('U', 'user')}
      user: nop
      ecall
      .align 6
      svec:
      j s_exc
      j s_ssi
      s_exc: li a0, 50
      ecall
      s_ssi: li a0, 51
      ecall
      ${TRAP_ENDS}`;
    const r = run(source);
    expect(reg(r.hart, 'a0')).toBe(51);
    expect(csr(r, CSR.scause)).toBe(0x80000001);
  });

  it('a timer interrupt is taken exactly when mtime reaches mtimecmp: at the 100 x mtimecmp-th instruction', () => {
    const source = `
      la t0, mh
      csrw mtvec, t0
      li t0, 0x2004000
      li t1, 50
      sw t1, 0(t0)
      sw zero, 4(t0)
      li t0, 0x80
      csrs mie, t0
      csrsi mstatus, ${MSTATUS_MIE}
      loop: addi a0, a0, 1
      j loop
      mh:
      csrr s1, minstret
      csrr s2, time
      ${PASS}`;
    const r = run(source);
    expect(csr(r, CSR.mcause)).toBe(0x80000007);
    // mtime = floor(icount / 100) reaches 50 when 5000 instructions have retired.
    expect(reg(r.hart, 's1')).toBe(5000);
    expect(reg(r.hart, 's2')).toBe(50);
  });

  it('WFI retires once and skips time to the timer deadline; the interrupt (if enabled) comes right after it', () => {
    const source = `
      la t0, mh
      csrw mtvec, t0
      li t0, 0x2004000
      li t1, 100000
      sw t1, 0(t0)
      sw zero, 4(t0)
      li t0, 0x80
      csrs mie, t0
      csrr s2, minstret
      wfi
      csrr s3, minstret
      csrr s4, time
      csrsi mstatus, ${MSTATUS_MIE}
      here: nop
      mh:
      ${PASS}`;
    const r = run(source);
    expect(reg(r.hart, 's3') - reg(r.hart, 's2')).toBe(2);
    expect(reg(r.hart, 's4')).toBe(100000);
    expect(csr(r, CSR.mcause)).toBe(0x80000007);
    expect(csr(r, CSR.mepc)).toBe(addressOf(source, 'here'));
    // Far fewer than the 10 million instructions the time represents.
    expect(r.hart.icount).toBeLessThan(40);
    expect(r.machine.clock.nanoseconds(r.hart.icount)).toBeGreaterThanOrEqual(100000 * 100);
  });

  it('WFI with nothing that can wake it ends the run as idle', () => {
    const r = run(`${PROLOGUE}\nwfi\n${TRAP_ENDS}`);
    expect(r.outcome?.kind).toBe('idle');
    expect(r.hart.icount).toBe(4);
  });

  it('periodic timer interrupts: blocks and interpreter agree on the count and the registers', () => {
    const source = `
      la t0, mh
      csrw mtvec, t0
      li t0, 0x2004000
      li t1, 3
      sw t1, 0(t0)
      sw zero, 4(t0)
      li t0, 0x80
      csrs mie, t0
      csrsi mstatus, ${MSTATUS_MIE}
      li s1, 0
      loop: addi a0, a0, 1
      li t2, 20
      blt s1, t2, loop
      ${PASS}
      mh:
      addi s1, s1, 1
      li t0, 0x2004000
      lw t1, 0(t0)
      addi t1, t1, 3
      sw t1, 0(t0)
      mret`;
    const a = runAsm(source, { blocks: true });
    const b = runAsm(source, { blocks: false });
    expect(reg(a.hart, 's1')).toBe(20);
    expect(a.hart.icount).toBe(b.hart.icount);
    expect(reg(a.hart, 'a0')).toBe(reg(b.hart, 'a0'));
  });
});
