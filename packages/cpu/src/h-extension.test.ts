// The H extension as a running hart sees it, from the privileged spec's "Hypervisor
// Extension" chapter: VS/VU modes entered with MRET and MPV, the S→VS CSR
// redirection, virtual-instruction versus illegal-instruction exceptions
// (VTSR/VTW/VTVM, hcounteren, H and VS CSRs), hedeleg/hideleg, trap entry into HS and
// VS, SRET with SPV, hvip injection and interrupt priority, htimedelta, and the WARL
// rules of the new CSRs. Translation is Bare here (see two-stage.test.ts). Each case
// runs with blocks enabled and with the interpreter alone.
import { describe, expect, it } from 'vitest';
import { MemorySink, type TrapEvent } from '@hvrr/events';
import { assemble } from './isa/index.js';
import { CSR } from './csr-numbers.js';
import { PASS, reg, runAsm, type AsmRun, MODES, addressOf } from '../../../tests/support/asm-machine.js';

const MSTATUS_SIE = 0x2;
const MSTATUS_SPP = 0x100;
const MSTATUS_MPP = 0x1800;
const MSTATUS_TW = 1 << 21;
const MSTATUS_TVM = 1 << 20;
const MSTATUSH_MPV = 0x80;
const MSTATUSH_GVA = 0x40;
const HSTATUS_GVA = 1 << 6;
const HSTATUS_SPV = 1 << 7;
const HSTATUS_SPVP = 1 << 8;
const HSTATUS_HU = 1 << 9;
const HSTATUS_VTVM = 1 << 20;
const HSTATUS_VTW = 1 << 21;
const HSTATUS_VTSR = 1 << 22;

type Mode = 'VS' | 'VU' | 'HS' | 'U';

interface GuestOptions {
  /** M-mode code run before entering the guest (CSR setup). */
  setup?: string;
  mode?: Mode;
  /** Code at label `guest`, run in `mode`. */
  guest: string;
  /** HS trap handler (stvec); the default records the trap and ecalls to M. */
  hs?: string;
  /** VS trap handler (vstvec); the default records the trap and ecalls. */
  vs?: string;
}

/**
 * M-mode sets mtvec/stvec/vstvec, runs `setup` and enters the guest with MRET (MPV=1
 * for VS/VU). Handlers record the trap in registers:
 * - M: s0 mcause, s1 mtval, s2 mtval2, s3 mtinst, s4 mstatush, s5 mepc, s6 mstatus; then PASS.
 * - HS: a0 scause, a1 stval, a2 htval, a3 htinst, a4 hstatus, a5 sepc, a6 sstatus; then ecall.
 * - VS: a0 scause, a1 stval, a5 sepc, a6 sstatus (VS's own views); then ecall.
 */
function guestProgram(o: GuestOptions): string {
  const mode = o.mode ?? 'VS';
  const virt = mode === 'VS' || mode === 'VU';
  const sMode = mode === 'VS' || mode === 'HS';
  return `
    la t0, mtrap
    csrw mtvec, t0
    la t0, hstrap
    csrw stvec, t0
    la t0, vstrap
    csrw vstvec, t0
    ${o.setup ?? ''}
    li t0, ${MSTATUS_MPP}
    csrc mstatus, t0
    ${sMode ? 'li t0, 0x800\ncsrs mstatus, t0' : ''}
    ${virt ? `li t0, ${MSTATUSH_MPV}\ncsrs mstatush, t0` : ''}
    la t0, guest
    csrw mepc, t0
    mret
    guest:
    ${o.guest}
    hstrap:
    ${o.hs ?? 'csrr a0, scause\ncsrr a1, stval\ncsrr a2, htval\ncsrr a3, htinst\ncsrr a4, hstatus\ncsrr a5, sepc\ncsrr a6, sstatus\necall'}
    vstrap:
    ${o.vs ?? 'csrr a0, scause\ncsrr a1, stval\ncsrr a5, sepc\ncsrr a6, sstatus\necall'}
    mtrap:
    csrr s0, mcause
    csrr s1, mtval
    csrr s2, mtval2
    csrr s3, mtinst
    csrr s4, mstatush
    csrr s5, mepc
    csrr s6, mstatus
    ${PASS}`;
}

const csrOf = (r: AsmRun, addr: number) => r.hart.csr[addr]! >>> 0;
/** The word an instruction assembles to. */
const word = (insn: string) => assemble(insn)[0]! >>> 0;

describe.each(MODES)('H extension: modes, CSRs and traps ($name)', ({ blocks }) => {
  const run = (o: GuestOptions, budget?: number) => {
    const source = guestProgram(o);
    return { r: runAsm(source, { blocks, budget }), source };
  };

  describe('entering and leaving V=1', () => {
    it('MRET with MPV=1 and MPP=S enters VS: an ecall there is cause 10 and sets MPV=1, MPP=S', () => {
      const { r, source } = run({ guest: 'here: ecall' });
      expect(reg(r.hart, 's0')).toBe(10);
      expect(reg(r.hart, 's5')).toBe(addressOf(source, 'here'));
      expect(reg(r.hart, 's4') & MSTATUSH_MPV).toBe(MSTATUSH_MPV);
      expect((reg(r.hart, 's6') & MSTATUS_MPP) >>> 11).toBe(1);
      expect(r.hart.virt).toBe(0);
      expect(r.hart.priv).toBe(3);
    });

    it('MRET with MPV=1 and MPP=U enters VU: an ecall there is cause 8 with MPV=1, MPP=U', () => {
      const { r } = run({ mode: 'VU', guest: 'ecall' });
      expect(reg(r.hart, 's0')).toBe(8);
      expect(reg(r.hart, 's4') & MSTATUSH_MPV).toBe(MSTATUSH_MPV);
      expect(reg(r.hart, 's6') & MSTATUS_MPP).toBe(0);
    });

    it('MRET clears MPV, and MPP=M keeps V=0 whatever MPV says', () => {
      const source = `
        la t0, mtrap
        csrw mtvec, t0
        li t0, ${MSTATUSH_MPV}
        csrs mstatush, t0
        li t0, ${MSTATUS_MPP}
        csrs mstatus, t0
        la t0, back
        csrw mepc, t0
        mret
        back:
        csrr s7, mstatush
        ecall
        mtrap:
        csrr s0, mcause
        csrr s4, mstatush
        ${PASS}`;
      const r = runAsm(source, { blocks });
      expect(reg(r.hart, 's7')).toBe(0);
      expect(reg(r.hart, 's0')).toBe(11);
      expect(reg(r.hart, 's4') & MSTATUSH_MPV).toBe(0);
    });

    it('an ecall from HS (V=0) is cause 9 and leaves MPV=0', () => {
      const { r } = run({ mode: 'HS', guest: 'ecall' });
      expect(reg(r.hart, 's0')).toBe(9);
      expect(reg(r.hart, 's4') & MSTATUSH_MPV).toBe(0);
    });
  });

  describe('S CSRs stand for the VS CSRs when V=1', () => {
    it('sstatus, stvec, sscratch, sepc, scause, stval and satp reach their VS CSRs; the HS ones keep their values', () => {
      const { r } = run({
        setup: 'li t0, 0x99\ncsrw sscratch, t0\nli t0, 0x77\ncsrw stval, t0',
        guest: `
          li t0, 0x11
          csrw sscratch, t0
          li t0, 0x2220
          csrw sepc, t0
          li t0, 0x80001000
          csrw stvec, t0
          li t0, 5
          csrw scause, t0
          li t0, 0x1234
          csrw stval, t0
          li t0, 0x123
          csrw satp, t0
          li t0, 0x40000
          csrs sstatus, t0
          csrr t1, sscratch
          csrr t2, sstatus
          ecall`,
      });
      expect(reg(r.hart, 's0')).toBe(10);
      expect(csrOf(r, CSR.vsscratch)).toBe(0x11);
      expect(csrOf(r, CSR.vsepc)).toBe(0x2220);
      expect(csrOf(r, CSR.vscause)).toBe(5);
      expect(csrOf(r, CSR.vstval)).toBe(0x1234);
      expect(csrOf(r, CSR.vsatp)).toBe(0x123);
      expect(csrOf(r, CSR.vsstatus) & 0x40000).toBe(0x40000);
      expect(reg(r.hart, 't1')).toBe(0x11);
      expect(reg(r.hart, 't2') & 0x40000).toBe(0x40000);
      // The HS-level registers are untouched.
      expect(csrOf(r, CSR.sscratch)).toBe(0x99);
      expect(csrOf(r, CSR.stval)).toBe(0x77);
      expect(csrOf(r, CSR.satp)).toBe(0);
      expect(csrOf(r, CSR.sepc)).toBe(0);
      expect(csrOf(r, CSR.mstatus) & 0x40000).toBe(0);
      // vstvec was written through stvec.
      expect(csrOf(r, CSR.vstvec)).toBe(0x80001000);
    });

    it('sie/sip reach vsie/vsip: the VS-level bits hideleg delegates, shifted to S-level positions', () => {
      const { r } = run({
        setup: 'li t0, 0x444\ncsrw hideleg, t0',
        guest: `
          li t0, 0x222
          csrw sie, t0
          csrr t1, sie
          csrsi sip, 2
          csrr t2, sip
          ecall`,
      });
      expect(reg(r.hart, 't1')).toBe(0x222);
      expect(reg(r.hart, 't2')).toBe(0x2);
      expect(csrOf(r, CSR.mie) & 0x444).toBe(0x444);
      expect(csrOf(r, CSR.hvip)).toBe(0x4);
      // The HS-level sie has no VS bits.
      expect(csrOf(r, CSR.mie) & 0x222).toBe(0);
    });

    it('without hideleg, vsie/vsip read zero and ignore writes', () => {
      const { r } = run({
        guest: `
          li t0, 0x222
          csrw sie, t0
          csrr t1, sie
          csrsi sip, 2
          csrr t2, sip
          ecall`,
      });
      expect(reg(r.hart, 't1')).toBe(0);
      expect(reg(r.hart, 't2')).toBe(0);
      expect(csrOf(r, CSR.mie)).toBe(0);
      expect(csrOf(r, CSR.hvip)).toBe(0);
    });
  });

  describe('virtual-instruction exceptions (22) versus illegal instruction (2)', () => {
    // [what, mode, M-mode setup, the instruction, expected cause or null for "runs"]
    const cases: [string, Mode, string, string, number | null][] = [
      ['VS reads hstatus', 'VS', '', 'csrr t1, hstatus', 22],
      ['VS reads a VS CSR by its own address', 'VS', '', 'csrr t1, vsstatus', 22],
      ['VS writes hgatp', 'VS', '', 'csrw hgatp, zero', 22],
      ['VS reads mstatus', 'VS', '', 'csrr t1, mstatus', 2],
      ['VS writes the read-only hgeip', 'VS', '', 'csrw hgeip, zero', 2],
      ['VU reads sstatus', 'VU', '', 'csrr t1, sstatus', 22],
      ['VU reads hstatus', 'VU', '', 'csrr t1, hstatus', 22],
      ['U reads hstatus', 'U', '', 'csrr t1, hstatus', 2],
      ['HS reads hstatus', 'HS', '', 'csrr t1, hstatus', null],
      ['VS executes MRET', 'VS', '', 'mret', 2],
      ['VS executes SRET with VTSR', 'VS', `li t0, ${HSTATUS_VTSR}\ncsrw hstatus, t0`, 'sret', 22],
      ['VU executes SRET', 'VU', '', 'sret', 22],
      ['VS executes WFI with VTW', 'VS', `li t0, ${HSTATUS_VTW}\ncsrw hstatus, t0`, 'wfi', 22],
      ['VU executes WFI', 'VU', '', 'wfi', 22],
      ['VS executes WFI with mstatus.TW', 'VS', `li t0, ${MSTATUS_TW}\ncsrs mstatus, t0`, 'wfi', 2],
      ['VS executes SFENCE.VMA with VTVM', 'VS', `li t0, ${HSTATUS_VTVM}\ncsrw hstatus, t0`, 'sfence.vma', 22],
      ['VS reads satp with VTVM', 'VS', `li t0, ${HSTATUS_VTVM}\ncsrw hstatus, t0`, 'csrr t1, satp', 22],
      ['VS executes SFENCE.VMA with mstatus.TVM only (TVM is for HS)', 'VS', `li t0, ${MSTATUS_TVM}\ncsrs mstatus, t0`, 'sfence.vma', null],
      ['VS reads satp with mstatus.TVM only', 'VS', `li t0, ${MSTATUS_TVM}\ncsrs mstatus, t0`, 'csrr t1, satp', null],
      ['HS reads hgatp with mstatus.TVM', 'HS', `li t0, ${MSTATUS_TVM}\ncsrs mstatus, t0`, 'csrr t1, hgatp', 2],
      ['HS executes HFENCE.GVMA with mstatus.TVM', 'HS', `li t0, ${MSTATUS_TVM}\ncsrs mstatus, t0`, 'hfence.gvma', 2],
      ['HS executes HFENCE.VVMA with mstatus.TVM', 'HS', `li t0, ${MSTATUS_TVM}\ncsrs mstatus, t0`, 'hfence.vvma', null],
      ['VU executes SFENCE.VMA', 'VU', '', 'sfence.vma', 22],
      ['VS executes HFENCE.VVMA', 'VS', '', 'hfence.vvma', 22],
      ['VS executes HFENCE.GVMA', 'VS', '', 'hfence.gvma', 22],
      ['U executes HFENCE.VVMA', 'U', '', 'hfence.vvma', 2],
      ['VS executes HLV.W', 'VS', '', 'hlv.w t1, (sp)', 22],
      ['VU executes HSV.W', 'VU', '', 'hsv.w t1, (sp)', 22],
      ['U executes HLV.W with HU=0', 'U', '', 'hlv.w t1, (sp)', 2],
      ['VS reads time with hcounteren.TM=0', 'VS', 'li t0, 2\ncsrw mcounteren, t0', 'csrr t1, time', 22],
      ['VS reads time with mcounteren.TM=0', 'VS', 'li t0, 2\ncsrw hcounteren, t0', 'csrr t1, time', 2],
      ['VS reads cycleh with hcounteren.CY=0', 'VS', 'li t0, 1\ncsrw mcounteren, t0', 'csrr t1, cycleh', 22],
      ['VU reads time with scounteren.TM=0', 'VU', 'li t0, 2\ncsrw mcounteren, t0\ncsrw hcounteren, t0', 'csrr t1, time', 22],
      ['VU reads time with all three enables', 'VU', 'li t0, 2\ncsrw mcounteren, t0\ncsrw hcounteren, t0\ncsrw scounteren, t0', 'csrr t1, time', null],
      ['VS reads scounteren (no VS twin)', 'VS', '', 'csrr t1, scounteren', null],
    ];
    it.each(cases)('%s', (_what, mode, setup, insn, cause) => {
      const { r, source } = run({ mode, setup: `li sp, 0x80000000\n${setup}`, guest: `here: ${insn}\nafter: ecall` });
      if (cause === null) {
        expect(reg(r.hart, 's5')).toBe(addressOf(source, 'after'));
        expect([8, 9, 10]).toContain(reg(r.hart, 's0'));
      } else {
        expect(reg(r.hart, 's0')).toBe(cause);
        expect(reg(r.hart, 's5')).toBe(addressOf(source, 'here'));
        expect(reg(r.hart, 's1')).toBe(word(insn));
        // tval is an instruction, not an address: GVA stays 0.
        expect(reg(r.hart, 's4') & MSTATUSH_GVA).toBe(0);
      }
    });
  });

  describe('delegation with hedeleg/hideleg and trap entry', () => {
    it('an ecall from VU delegated by medeleg and hedeleg goes to VS: vscause 8, vsepc, vsstatus.SPP=0, V stays 1', () => {
      const { r, source } = run({
        mode: 'VU',
        setup: 'li t0, 0x100\ncsrw medeleg, t0\ncsrw hedeleg, t0\nli t0, 2\ncsrw vsstatus, t0',
        guest: 'here: ecall',
      });
      expect(reg(r.hart, 'a0')).toBe(8);
      expect(reg(r.hart, 'a5')).toBe(addressOf(source, 'here'));
      expect(reg(r.hart, 'a6') & (MSTATUS_SPP | MSTATUS_SIE)).toBe(0);
      expect(reg(r.hart, 'a6') & 0x20).toBe(0x20); // SPIE = old SIE
      // The VS handler's own ecall reaches M from VS.
      expect(reg(r.hart, 's0')).toBe(10);
      expect(reg(r.hart, 's4') & MSTATUSH_MPV).toBe(MSTATUSH_MPV);
      expect((reg(r.hart, 's6') & MSTATUS_MPP) >>> 11).toBe(1);
      // HS state is untouched.
      expect(csrOf(r, CSR.scause)).toBe(0);
      expect(csrOf(r, CSR.hstatus)).toBe(0);
    });

    it('without hedeleg it goes to HS: scause 8, hstatus.SPV=1, SPVP=0, sstatus.SPP=0, V=0', () => {
      const { r, source } = run({
        mode: 'VU',
        setup: `li t0, 0x100\ncsrw medeleg, t0\nli t0, ${HSTATUS_SPVP}\ncsrw hstatus, t0`,
        guest: 'here: ecall',
      });
      expect(reg(r.hart, 'a0')).toBe(8);
      expect(reg(r.hart, 'a5')).toBe(addressOf(source, 'here'));
      expect(reg(r.hart, 'a4') & (HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_GVA)).toBe(HSTATUS_SPV);
      expect(reg(r.hart, 'a6') & MSTATUS_SPP).toBe(0);
      expect(reg(r.hart, 'a2')).toBe(0);
      expect(reg(r.hart, 'a3')).toBe(0);
      expect(reg(r.hart, 's0')).toBe(9);
      expect(reg(r.hart, 's4') & MSTATUSH_MPV).toBe(0);
    });

    it('an ecall from VS (cause 10) can go to HS but never to VS: SPV=1, SPVP=1, SPP=1', () => {
      const { r } = run({
        setup: 'li t0, 0x400\ncsrw medeleg, t0\ncsrw hedeleg, t0',
        guest: 'ecall',
      });
      expect(csrOf(r, CSR.hedeleg)).toBe(0);
      expect(reg(r.hart, 'a0')).toBe(10);
      expect(reg(r.hart, 'a4') & (HSTATUS_SPV | HSTATUS_SPVP)).toBe(HSTATUS_SPV | HSTATUS_SPVP);
      expect(reg(r.hart, 'a6') & MSTATUS_SPP).toBe(MSTATUS_SPP);
    });

    it('an illegal instruction in VS delegated to VS: vscause 2, vstval = the instruction', () => {
      const { r, source } = run({
        setup: 'li t0, 4\ncsrw medeleg, t0\ncsrw hedeleg, t0',
        guest: 'here: .word 0xffffffff',
      });
      expect(reg(r.hart, 'a0')).toBe(2);
      expect(reg(r.hart, 'a1')).toBe(0xffffffff);
      expect(reg(r.hart, 'a5')).toBe(addressOf(source, 'here'));
      expect(reg(r.hart, 'a6') & MSTATUS_SPP).toBe(MSTATUS_SPP);
    });

    it('SRET in HS with SPV=1 returns to VS at sepc', () => {
      const { r, source } = run({
        setup: 'li t0, 0x400\ncsrw medeleg, t0',
        guest: 'ecall\nli t1, 7\nhere: ebreak',
        hs: 'csrr a0, scause\ncsrr t0, sepc\naddi t0, t0, 4\ncsrw sepc, t0\nsret',
      });
      expect(reg(r.hart, 'a0')).toBe(10);
      expect(reg(r.hart, 't1')).toBe(7);
      expect(reg(r.hart, 's0')).toBe(3);
      expect(reg(r.hart, 's5')).toBe(addressOf(source, 'here'));
      expect(reg(r.hart, 's4') & MSTATUSH_MPV).toBe(MSTATUSH_MPV);
      expect(csrOf(r, CSR.hstatus) & HSTATUS_SPV).toBe(0);
    });

    it('SRET in VS returns through vsstatus and vsepc, to VU when vsstatus.SPP=0', () => {
      const { r, source } = run({
        setup: 'la t0, user\ncsrw vsepc, t0',
        guest: 'sret\nuser:\nhere: ecall',
      });
      expect(reg(r.hart, 's0')).toBe(8);
      expect(reg(r.hart, 's5')).toBe(addressOf(source, 'here'));
      expect(reg(r.hart, 's4') & MSTATUSH_MPV).toBe(MSTATUSH_MPV);
    });

    it('hedeleg and hideleg hold only their writable bits', () => {
      const { r } = run({
        mode: 'HS',
        guest: 'li t0, -1\ncsrw hedeleg, t0\ncsrw hideleg, t0\ncsrr t1, hedeleg\ncsrr t2, hideleg\necall',
      });
      expect(reg(r.hart, 't1')).toBe(0xb1ff);
      expect(reg(r.hart, 't2')).toBe(0x444);
    });
  });

  describe('VS-level interrupts from hvip', () => {
    const spin = 'spin: j spin';

    it('VSTIP with hideleg is taken in VS with vsstatus.SIE: vscause = supervisor timer (5)', () => {
      const { r, source } = run({
        setup: 'li t0, 0x40\ncsrw hideleg, t0\ncsrw hie, t0\ncsrw hvip, t0\nli t0, 2\ncsrw vsstatus, t0',
        guest: spin,
      });
      expect(reg(r.hart, 'a0')).toBe(0x80000005);
      expect(reg(r.hart, 'a5')).toBe(addressOf(source, 'spin'));
      expect(reg(r.hart, 's0')).toBe(10); // the VS handler's ecall: still V=1
    });

    it('without hideleg VSTIP goes to HS as cause 6, even with sstatus.SIE=0', () => {
      const { r } = run({
        setup: 'li t0, 0x40\ncsrw hie, t0\ncsrw hvip, t0',
        guest: spin,
      });
      expect(reg(r.hart, 'a0')).toBe(0x80000006);
      expect(reg(r.hart, 'a4') & HSTATUS_SPV).toBe(HSTATUS_SPV);
      expect(reg(r.hart, 's0')).toBe(9);
    });

    it('with hideleg and vsstatus.SIE=0 VS does not take it; VU always does', () => {
      const setup = 'li t0, 0x40\ncsrw hideleg, t0\ncsrw hie, t0\ncsrw hvip, t0';
      const vs = run({ setup, guest: 'li t1, 1\necall' }).r;
      expect(reg(vs.hart, 't1')).toBe(1);
      expect(reg(vs.hart, 's0')).toBe(10);
      const vu = run({ mode: 'VU', setup, guest: spin }).r;
      expect(reg(vu.hart, 'a0')).toBe(0x80000005);
    });

    it('VS-level interrupts delegated by hideleg are never taken with V=0', () => {
      const { r } = run({
        mode: 'HS',
        setup: 'li t0, 0x444\ncsrw hideleg, t0\ncsrw hie, t0\ncsrw hvip, t0\ncsrsi sstatus, 2',
        guest: 'li t1, 1\necall',
      });
      expect(reg(r.hart, 't1')).toBe(1);
      expect(reg(r.hart, 's0')).toBe(9);
    });

    it('HS priority: STI before VSEI, VSEI before VSSI before VSTI', () => {
      const hs = 'csrr a0, scause\necall';
      const both = run({
        mode: 'VS',
        setup: 'li t0, 0x20\ncsrw mideleg, t0\ncsrs mip, t0\ncsrs mie, t0\nli t0, 0x444\ncsrw hie, t0\ncsrw hvip, t0',
        guest: spin,
        hs: 'csrr a0, scause\necall',
      }).r;
      expect(reg(both.hart, 'a0')).toBe(0x80000005);
      const vs = run({ setup: 'li t0, 0x444\ncsrw hie, t0\ncsrw hvip, t0', guest: spin, hs }).r;
      expect(reg(vs.hart, 'a0')).toBe(0x8000000a);
      const ssi = run({ setup: 'li t0, 0x44\ncsrw hie, t0\ncsrw hvip, t0', guest: spin, hs }).r;
      expect(reg(ssi.hart, 'a0')).toBe(0x80000002);
    });

    it('mip.VSSIP and hip.VSSIP are aliases of hvip.VSSIP; VSTIP/VSEIP show there read-only', () => {
      const { r } = run({
        mode: 'HS',
        setup: 'csrsi mip, 4\ncsrr s7, hvip\nli t0, 0x40\ncsrs hvip, t0\ncsrr s8, mip\ncsrr s9, hip',
        guest: 'li t0, 0x444\ncsrc hip, t0\ncsrr s10, hvip\ncsrr s11, sip\necall',
      });
      expect(reg(r.hart, 's7')).toBe(0x4);
      expect(reg(r.hart, 's8')).toBe(0x44);
      expect(reg(r.hart, 's9')).toBe(0x44);
      expect(reg(r.hart, 's10')).toBe(0x40); // only VSSIP was writable through hip
      expect(reg(r.hart, 's11')).toBe(0); // sip never shows VS-level bits
    });
  });

  describe('time and the new CSRs', () => {
    it('time and timeh read with V=1 add htimedelta (64-bit)', () => {
      const { r } = run({
        setup: 'li t0, -1\ncsrw mcounteren, t0\ncsrw hcounteren, t0\nli t0, 0x100\ncsrw htimedeltah, t0\ncsrr s7, time\ncsrr s8, timeh',
        guest: 'csrr s9, time\ncsrr s10, timeh\necall',
      });
      expect(reg(r.hart, 's10') - reg(r.hart, 's8')).toBe(0x100);
      const dt = reg(r.hart, 's9') - reg(r.hart, 's7');
      expect(dt).toBeGreaterThanOrEqual(0);
      expect(dt).toBeLessThan(1000);
    });

    it('mideleg reads bits 2, 6, 10 as one; misa has H; the H CSRs keep only their WARL bits', () => {
      const { r } = run({
        mode: 'HS',
        setup: `csrw mideleg, zero
          csrr s7, mideleg
          csrr s8, misa
          li t0, -1
          csrw mstatush, t0
          csrr s9, mstatush
          csrw mstatush, zero`,
        guest: `li t0, -1
          csrw hgatp, t0
          csrr s10, hgatp
          csrw hstatus, t0
          csrr s11, hstatus
          csrw hstatus, zero
          csrw hvip, t0
          csrr t1, hvip
          csrw hvip, zero
          csrw hgeie, t0
          csrr t2, hgeie
          csrw vsstatus, t0
          csrr t3, vsstatus
          csrr t4, hgeip
          ecall`,
      });
      expect(reg(r.hart, 's7')).toBe(0x444);
      expect(reg(r.hart, 's8') & 0x80).toBe(0x80);
      expect(reg(r.hart, 's9')).toBe(MSTATUSH_MPV | MSTATUSH_GVA);
      expect(reg(r.hart, 's10')).toBe(0x9ffffffc); // MODE, VMID (7 bits), PPN[1:0] zero
      expect(reg(r.hart, 's11')).toBe(HSTATUS_GVA | HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_HU | HSTATUS_VTVM | HSTATUS_VTW | HSTATUS_VTSR);
      expect(reg(r.hart, 't1')).toBe(0x444);
      expect(reg(r.hart, 't2')).toBe(0);
      expect(reg(r.hart, 't3')).toBe(0xc0122); // SIE, SPIE, SPP, SUM, MXR
      expect(reg(r.hart, 't4')).toBe(0);
    });
  });

  it('trap events say when V was or becomes 1', () => {
    const source = guestProgram({ setup: 'li t0, 4\ncsrw medeleg, t0\ncsrw hedeleg, t0', guest: '.word 0xffffffff' });
    const sink = new MemorySink();
    const r = runAsm(source, { blocks, budget: 0 });
    r.hart.attachSink(sink);
    r.machine.run(100_000);
    const traps = sink.events.filter((e): e is TrapEvent => e.type === 'trap');
    expect(traps.map((t) => [t.cause, t.from, t.to, t.fromVirt, t.toVirt])).toEqual([
      [2, 1, 1, true, true],
      [10, 1, 3, true, false],
    ]);
  });
});
