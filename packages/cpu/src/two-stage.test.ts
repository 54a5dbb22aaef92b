// Two-stage translation as a running hart sees it (privileged spec, H chapter:
// "Two-Stage Address Translation", "Guest-Page Faults", htval/mtval2, htinst/mtinst,
// HLV/HLVX/HSV, HFENCE): VS-stage Sv32 through vsatp, G-stage Sv32x4 through hgatp,
// guest-page faults 20/21/23 with the faulting guest-physical address and the
// transformed instruction or pseudoinstruction, the G-stage U-bit rule, a guest-physical
// address above 4 GiB, SUM/MXR per stage, and stale TLB entries until HFENCE. The test
// writes both stages' tables into RAM before the program runs. Each case runs with
// blocks enabled and with the interpreter alone.
import { describe, expect, it } from 'vitest';
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from '@hvrr/mmu';
import { assemble } from './isa/index.js';
import { PASS, asmMachine, ramWord, reg, setRamWord, type AsmRun, MODES, addressOf } from '../../../tests/support/asm-machine.js';

/** G stage: 16 KiB root (16 KiB aligned); a level-0 table for gpa 0x80400000-0x807fffff; one for gpa 0x3_0000_0000-. */
const G_ROOT = 0x80c00000;
const G_L0 = 0x80c04000;
const G_HIGH_L0 = 0x80c05000;
const HGATP = (0x80000000 | (G_ROOT >>> 12)) | 0;
/** VS stage: root at gpa 0x80d00000; level 0 (va 0x40000000-) at gpa 0x80410000, inside G_L0's range (entry 0x10). */
const VS_ROOT = 0x80d00000;
const VS_L0 = 0x80410000;
const VSATP = (0x80000000 | (VS_ROOT >>> 12)) | 0;
const G_LEAF = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D;
const RW_AD = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;

const MSTATUSH_MPV = 0x80;
const MSTATUSH_GVA = 0x40;
const HSTATUS_GVA = 1 << 6;
const HSTATUS_SPV = 1 << 7;
const HSTATUS_SPVP = 1 << 8;
const HSTATUS_HU = 1 << 9;

/** A PTE for (guest-)physical address `pa`, which may lie above 4 GiB. */
function pte(pa: number, flags: number): number {
  return (Math.floor(pa / 4096) * 1024 + flags) | 0;
}

interface Layout {
  /** G_L0 entries by index (gpa 0x80400000 + 4 KiB * index); the rest map identically. */
  g?: Record<number, number>;
  /** G_HIGH_L0 entries by index (gpa 0x3_0000_0000 + 4 KiB * index). */
  gHigh?: Record<number, number>;
  /** VS level-0 entries by index (va 0x40000000 + 4 KiB * index). */
  vs?: Record<number, number>;
  /** RAM words to preset: machine physical address -> value. */
  data?: Record<number, number>;
  /** Map the code (va/gpa 0x80000000-) as a U page at the VS stage (for VU). */
  userCode?: boolean;
}

type Mode = 'VS' | 'VU' | 'HS' | 'U' | 'M';

/**
 * M-mode turns on both stages, runs `setup` and enters `body` in `mode` (M: runs it in
 * place). Handlers: M records s0 mcause, s1 mtval, s2 mtval2, s3 mtinst, s4 mstatush,
 * s5 mepc and passes; HS records a0 scause, a1 stval, a2 htval, a3 htinst, a4 hstatus
 * and ecalls.
 */
function program(body: string, o: { mode?: Mode; setup?: string } = {}): string {
  const mode = o.mode ?? 'VS';
  const enter =
    mode === 'M'
      ? ''
      : `li t0, 0x1800
    csrc mstatus, t0
    ${mode === 'VS' || mode === 'HS' ? 'li t0, 0x800\ncsrs mstatus, t0' : ''}
    ${mode === 'VS' || mode === 'VU' ? `li t0, ${MSTATUSH_MPV}\ncsrs mstatush, t0` : ''}
    la t0, guest
    csrw mepc, t0
    mret`;
  return `
    la t0, mtrap
    csrw mtvec, t0
    la t0, hstrap
    csrw stvec, t0
    li t0, ${HGATP}
    csrw hgatp, t0
    li t0, ${VSATP}
    csrw vsatp, t0
    hfence.gvma
    ${o.setup ?? ''}
    ${enter}
    guest:
    ${body}
    ecall
    hstrap:
    csrr a0, scause
    csrr a1, stval
    csrr a2, htval
    csrr a3, htinst
    csrr a4, hstatus
    ecall
    mtrap:
    csrr s0, mcause
    csrr s1, mtval
    csrr s2, mtval2
    csrr s3, mtinst
    csrr s4, mstatush
    csrr s5, mepc
    ${PASS}`;
}

const word = (insn: string) => assemble(insn)[0]! >>> 0;

describe.each(MODES)('two-stage translation ($name)', ({ blocks }) => {
  function run(source: string, layout: Layout = {}): AsmRun {
    const m = asmMachine(source, { blocks });
    const set = (pa: number, v: number) => setRamWord(m.machine, pa, v);
    for (const i of [0x200, 0x202, 0x203]) set(G_ROOT + i * 4, pte(i * 0x400000, G_LEAF));
    set(G_ROOT + 0x201 * 4, pte(G_L0, PTE_V));
    set(G_ROOT + 0xc00 * 4, pte(G_HIGH_L0, PTE_V));
    for (let i = 0; i < 1024; i++) set(G_L0 + i * 4, pte(0x80400000 + i * 4096, G_LEAF));
    for (const [i, v] of Object.entries(layout.g ?? {})) set(G_L0 + Number(i) * 4, v);
    for (const [i, v] of Object.entries(layout.gHigh ?? {})) set(G_HIGH_L0 + Number(i) * 4, v);
    // VS stage: the code and the tables map identically (no U, unless userCode).
    set(VS_ROOT + 0x200 * 4, pte(0x80000000, PTE_X | RW_AD | (layout.userCode ? PTE_U : 0)));
    for (const i of [0x201, 0x202, 0x203]) set(VS_ROOT + i * 4, pte(i * 0x400000, RW_AD));
    set(VS_ROOT + 0x100 * 4, pte(VS_L0, PTE_V));
    for (const [i, v] of Object.entries(layout.vs ?? {})) set(VS_L0 + Number(i) * 4, v);
    for (const [pa, v] of Object.entries(layout.data ?? {})) set(Number(pa), v);
    return { ...m, outcome: m.machine.run(1_000_000) };
  }

  it('a guest access goes through both stages: va -> gpa (vsatp) -> machine pa (hgatp)', () => {
    const r = run(program('li t0, 0x40004000\nlw t1, 8(t0)\nli t2, 0x55aa\nsw t2, 12(t0)'), {
      vs: { 4: pte(0x80404000, RW_AD) },
      g: { 4: pte(0x80405000, G_LEAF) },
      data: { 0x80405008: 0x11223344, 0x80404008: 0x99 },
    });
    expect(reg(r.hart, 's0')).toBe(10);
    expect(reg(r.hart, 't1')).toBe(0x11223344);
    expect(ramWord(r.machine, 0x8040500c)).toBe(0x55aa);
    expect(ramWord(r.machine, 0x8040400c)).toBe(0);
  });

  it('a load guest-page fault to M: cause 21, mtval = va, mtval2 = gpa >> 2, mtinst = the transformed load, GVA = 1', () => {
    const source = program('li t0, 0x40001000\nhere: lw t1, 8(t0)');
    const r = run(source, { vs: { 1: pte(0x80401000, RW_AD) }, g: { 1: 0 } });
    expect(reg(r.hart, 's0')).toBe(21);
    expect(reg(r.hart, 's1')).toBe(0x40001008);
    expect(reg(r.hart, 's2')).toBe(0x80401008 / 4);
    expect(reg(r.hart, 's3')).toBe(word('lw t1, 0(zero)'));
    expect(reg(r.hart, 's4') & (MSTATUSH_GVA | MSTATUSH_MPV)).toBe(MSTATUSH_GVA | MSTATUSH_MPV);
    expect(reg(r.hart, 's5')).toBe(addressOf(source, 'here'));
  });

  it('delegated to HS: scause 21, stval, htval, htinst, hstatus.GVA/SPV/SPVP', () => {
    const r = run(program('li t0, 0x40001000\nlw t1, 8(t0)', { setup: 'li t0, 0x200000\ncsrw medeleg, t0' }), { vs: { 1: pte(0x80401000, RW_AD) }, g: { 1: 0 } });
    expect(reg(r.hart, 'a0')).toBe(21);
    expect(reg(r.hart, 'a1')).toBe(0x40001008);
    expect(reg(r.hart, 'a2')).toBe(0x80401008 / 4);
    expect(reg(r.hart, 'a3')).toBe(word('lw t1, 0(zero)'));
    expect(reg(r.hart, 'a4') & (HSTATUS_GVA | HSTATUS_SPV | HSTATUS_SPVP)).toBe(HSTATUS_GVA | HSTATUS_SPV | HSTATUS_SPVP);
    expect(reg(r.hart, 's0')).toBe(9);
  });

  it('a store to a page the G stage maps read-only: cause 23, htinst = the transformed store (rs2 kept, no immediate)', () => {
    const r = run(program('li t0, 0x40002000\nli t2, 5\nsw t2, 12(t0)'), { vs: { 2: pte(0x80402000, RW_AD) }, g: { 2: pte(0x80402000, PTE_V | PTE_R | PTE_U | PTE_A | PTE_D) } });
    expect(reg(r.hart, 's0')).toBe(23);
    expect(reg(r.hart, 's1')).toBe(0x4000200c);
    expect(reg(r.hart, 's2')).toBe(0x8040200c / 4);
    expect(reg(r.hart, 's3')).toBe(word('sw t2, 0(zero)'));
    expect(ramWord(r.machine, 0x8040200c)).toBe(0);
  });

  it('a misaligned access whose second page faults: tval and mtval2 name that page, mtinst rs1 = the offset', () => {
    const layout = { vs: { 1: pte(0x80401000, RW_AD), 2: pte(0x80402000, RW_AD) }, g: { 2: 0 } };
    const store = run(program('li t0, 0x40001ffe\nli t2, -1\nsw t2, 0(t0)'), layout);
    expect(reg(store.hart, 's0')).toBe(23);
    expect(reg(store.hart, 's1')).toBe(0x40002000);
    expect(reg(store.hart, 's2')).toBe(0x80402000 / 4);
    expect(reg(store.hart, 's3')).toBe((word('sw t2, 0(zero)') | (2 << 15)) >>> 0);
    expect(ramWord(store.machine, 0x80401ffc)).toBe(0); // nothing written
    const load = run(program('li t0, 0x40001ffd\nlw t1, 0(t0)'), layout);
    expect(reg(load.hart, 's0')).toBe(21);
    expect(reg(load.hart, 's1')).toBe(0x40002000);
    expect(reg(load.hart, 's2')).toBe(0x80402000 / 4);
    expect(reg(load.hart, 's3')).toBe((word('lw t1, 0(zero)') | (3 << 15)) >>> 0);
  });

  it('an AMO guest-page fault keeps all but rs1 in mtinst', () => {
    const r = run(program('li t0, 0x40002000\nli t2, 5\namoadd.w t1, t2, (t0)'), { vs: { 2: pte(0x80402000, RW_AD) }, g: { 2: 0 } });
    expect(reg(r.hart, 's0')).toBe(23);
    expect(reg(r.hart, 's3')).toBe(word('amoadd.w t1, t2, (zero)'));
  });

  it('a fetch guest-page fault: cause 20, epc = tval = the va, mtval2 = gpa >> 2, mtinst 0', () => {
    const r = run(program('li t0, 0x40003000\njr t0'), { vs: { 3: pte(0x80403000, PTE_V | PTE_X | PTE_A) }, g: { 3: 0 } });
    expect(reg(r.hart, 's0')).toBe(20);
    expect(reg(r.hart, 's1')).toBe(0x40003000);
    expect(reg(r.hart, 's5')).toBe(0x40003000);
    expect(reg(r.hart, 's2')).toBe(0x80403000 / 4);
    expect(reg(r.hart, 's3')).toBe(0);
  });

  it('a VS page-table read the G stage refuses: the original access type, gpa of the PTE, pseudoinstruction 0x2000', () => {
    const r = run(program('li t0, 0x40004000\nlw t1, 0(t0)'), { vs: { 4: pte(0x80404000, RW_AD) }, g: { 0x10: 0 } });
    expect(reg(r.hart, 's0')).toBe(21);
    expect(reg(r.hart, 's1')).toBe(0x40004000);
    expect(reg(r.hart, 's2')).toBe((VS_L0 + 4 * 4) / 4);
    expect(reg(r.hart, 's3')).toBe(0x2000);
    // Fetch from a va whose VS table is unreachable: an instruction guest-page fault, same pseudoinstruction.
    const f = run(program('li t0, 0x40004000\njr t0'), { vs: { 4: pte(0x80404000, PTE_V | PTE_X | PTE_A) }, g: { 0x10: 0 } });
    expect(reg(f.hart, 's0')).toBe(20);
    expect(reg(f.hart, 's3')).toBe(0x2000);
  });

  it('a VS A/D update the G stage refuses (table read-only there): pseudoinstruction 0x2020', () => {
    const r = run(program('li t0, 0x40005000\nlw t1, 0(t0)'), { vs: { 5: pte(0x80405000, PTE_V | PTE_R | PTE_W) }, g: { 0x10: pte(VS_L0, PTE_V | PTE_R | PTE_U | PTE_A | PTE_D) } });
    expect(reg(r.hart, 's0')).toBe(21);
    expect(reg(r.hart, 's2')).toBe((VS_L0 + 5 * 4) / 4);
    expect(reg(r.hart, 's3')).toBe(0x2020);
  });

  it('the G stage checks every access as U-mode: a leaf without U faults even for VS', () => {
    const r = run(program('li t0, 0x40006000\nlw t1, 0(t0)'), { vs: { 6: pte(0x80406000, RW_AD) }, g: { 6: pte(0x80406000, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D) } });
    expect(reg(r.hart, 's0')).toBe(21);
  });

  it('a VS leaf pointing above 4 GiB: the 34-bit gpa maps through the G stage, and faults report it in mtval2', () => {
    const ok = run(program('li t0, 0x40007000\nlw t1, 16(t0)'), {
      vs: { 7: pte(0x300007000, RW_AD) },
      gHigh: { 7: pte(0x80407000, G_LEAF) },
      data: { 0x80407010: 0x0feedf00 },
    });
    expect(reg(ok.hart, 's0')).toBe(10);
    expect(reg(ok.hart, 't1')).toBe(0x0feedf00);
    const bad = run(program('li t0, 0x40008000\nlw t1, 16(t0)'), { vs: { 8: pte(0x300008000, RW_AD) } });
    expect(reg(bad.hart, 's0')).toBe(21);
    expect(reg(bad.hart, 's2')).toBe(0x300008010 / 4);
  });

  it('a VS-stage fault is a plain page fault (13) with GVA = 1 and mtval2 = 0', () => {
    const r = run(program('li t0, 0x40009000\nlw t1, 0(t0)'));
    expect(reg(r.hart, 's0')).toBe(13);
    expect(reg(r.hart, 's1')).toBe(0x40009000);
    expect(reg(r.hart, 's2')).toBe(0);
    expect(reg(r.hart, 's3')).toBe(0);
    expect(reg(r.hart, 's4') & (MSTATUSH_GVA | MSTATUSH_MPV)).toBe(MSTATUSH_GVA | MSTATUSH_MPV);
  });

  it('vsstatus.SUM (not mstatus.SUM) lets VS touch U pages', () => {
    const layout = { vs: { 11: pte(0x8040b000, RW_AD | PTE_U) } };
    const body = 'li t0, 0x4000b000\nlw t1, 0(t0)';
    expect(reg(run(program(body), layout).hart, 's0')).toBe(13);
    expect(reg(run(program(body, { setup: 'li t0, 0x40000\ncsrs mstatus, t0' }), layout).hart, 's0')).toBe(13);
    expect(reg(run(program(body, { setup: 'li t0, 0x40000\ncsrs vsstatus, t0' }), layout).hart, 's0')).toBe(10);
  });

  it('vsstatus.MXR opens execute-only pages at the VS stage only; mstatus.MXR at both', () => {
    const body = 'li t0, 0x4000a000\nlw t1, 0(t0)';
    const vsXonly = { vs: { 10: pte(0x8040a000, PTE_V | PTE_X | PTE_A) } };
    const bothXonly = { ...vsXonly, g: { 10: pte(0x8040a000, PTE_V | PTE_X | PTE_U | PTE_A) } };
    const VSMXR = 'li t0, 0x80000\ncsrs vsstatus, t0';
    const MMXR = 'li t0, 0x80000\ncsrs mstatus, t0';
    expect(reg(run(program(body), vsXonly).hart, 's0')).toBe(13);
    expect(reg(run(program(body, { setup: VSMXR }), vsXonly).hart, 's0')).toBe(10);
    expect(reg(run(program(body, { setup: VSMXR }), bothXonly).hart, 's0')).toBe(21);
    expect(reg(run(program(body, { setup: MMXR }), bothXonly).hart, 's0')).toBe(10);
  });

  it('VU reaches only U pages at the VS stage', () => {
    const body = 'li t0, 0x4000b000\nlw t1, 0(t0)';
    expect(reg(run(program(body, { mode: 'VU' }), { userCode: true, vs: { 11: pte(0x8040b000, RW_AD) } }).hart, 's0')).toBe(13);
    expect(reg(run(program(body, { mode: 'VU' }), { userCode: true, vs: { 11: pte(0x8040b000, RW_AD | PTE_U) } }).hart, 's0')).toBe(8);
  });

  it('M-mode with MPRV and MPV=1 loads and stores through both stages', () => {
    const setup = `li t0, ${MSTATUSH_MPV}\ncsrs mstatush, t0\nli t0, 0x20800\ncsrs mstatus, t0`;
    const r = run(program('li t0, 0x40004000\nlw s7, 0(t0)\nli t2, 3\nsw t2, 4(t0)\nli t0, 0x20000\ncsrc mstatus, t0', { mode: 'M', setup }), {
      vs: { 4: pte(0x80404000, RW_AD) },
      g: { 4: pte(0x80406000, G_LEAF) },
      data: { 0x80406000: 0x1357 },
    });
    expect(reg(r.hart, 's0')).toBe(11);
    expect(reg(r.hart, 's7')).toBe(0x1357);
    expect(ramWord(r.machine, 0x80406004)).toBe(3);
  });
});

describe.each(MODES)('HLV, HLVX, HSV ($name)', ({ blocks }) => {
  function run(source: string, layout: Layout = {}): AsmRun {
    const m = asmMachine(source, { blocks });
    const set = (pa: number, v: number) => setRamWord(m.machine, pa, v);
    for (const i of [0x200, 0x202, 0x203]) set(G_ROOT + i * 4, pte(i * 0x400000, G_LEAF));
    set(G_ROOT + 0x201 * 4, pte(G_L0, PTE_V));
    for (let i = 0; i < 1024; i++) set(G_L0 + i * 4, pte(0x80400000 + i * 4096, G_LEAF));
    for (const [i, v] of Object.entries(layout.g ?? {})) set(G_L0 + Number(i) * 4, v);
    set(VS_ROOT + 0x200 * 4, pte(0x80000000, PTE_X | RW_AD));
    set(VS_ROOT + 0x100 * 4, pte(VS_L0, PTE_V));
    for (const [i, v] of Object.entries(layout.vs ?? {})) set(VS_L0 + Number(i) * 4, v);
    for (const [pa, v] of Object.entries(layout.data ?? {})) set(Number(pa), v);
    return { ...m, outcome: m.machine.run(1_000_000) };
  }
  const SPVP = `li t0, ${HSTATUS_SPVP}\ncsrs hstatus, t0`;
  const layout = {
    vs: { 4: pte(0x80404000, RW_AD), 5: pte(0x80405000, RW_AD | PTE_U), 10: pte(0x8040a000, PTE_V | PTE_X | PTE_A) },
    g: { 4: pte(0x80406000, G_LEAF) },
    data: { 0x80406000: 0x000080ff, 0x8040a000: 0x600df00d, 0x80405000: 0x42 },
  };

  it('from HS with SPVP=1 they read and write guest memory as VS would, sign- or zero-extending', () => {
    const r = run(
      program(
        `li t0, 0x40004000
        hlv.w s7, (t0)
        hlv.b s8, (t0)
        hlv.bu s9, (t0)
        hlv.h s10, (t0)
        hlv.hu s11, (t0)
        addi t1, t0, 8
        li t2, 0x12345678
        hsv.w t2, (t1)
        li t2, 0xabcd
        hsv.h t2, (t1)
        hsv.b zero, (t1)`,
        { mode: 'HS', setup: SPVP },
      ),
      layout,
    );
    expect(reg(r.hart, 's0')).toBe(9);
    expect(reg(r.hart, 's7')).toBe(0x80ff);
    expect(reg(r.hart, 's8')).toBe(0xffffffff);
    expect(reg(r.hart, 's9')).toBe(0xff);
    expect(reg(r.hart, 's10')).toBe(0xffff80ff);
    expect(reg(r.hart, 's11')).toBe(0x80ff);
    expect(ramWord(r.machine, 0x80406008)).toBe(0x1234ab00);
    expect(r.hart.virt).toBe(0);
  });

  it('HLVX needs execute permission instead of read; HLV on an execute-only page faults with GVA=1, MPV=0', () => {
    const ok = run(program('li t0, 0x4000a000\nhlvx.wu s7, (t0)\nhlvx.hu s8, (t0)', { mode: 'HS', setup: SPVP }), layout);
    expect(reg(ok.hart, 's0')).toBe(9);
    expect(reg(ok.hart, 's7')).toBe(0x600df00d);
    expect(reg(ok.hart, 's8')).toBe(0xf00d);
    const noX = run(program('li t0, 0x40004000\nhlvx.wu s7, (t0)', { mode: 'HS', setup: SPVP }), layout);
    expect(reg(noX.hart, 's0')).toBe(13);
    const bad = run(program('li t0, 0x4000a000\nhlv.w s7, (t0)', { mode: 'HS', setup: SPVP }), layout);
    expect(reg(bad.hart, 's0')).toBe(13);
    expect(reg(bad.hart, 's1')).toBe(0x4000a000);
    expect(reg(bad.hart, 's4') & (MSTATUSH_GVA | MSTATUSH_MPV)).toBe(MSTATUSH_GVA);
  });

  it('SPVP=0 accesses as VU: only U pages', () => {
    const sup = run(program('li t0, 0x40004000\nhlv.w s7, (t0)', { mode: 'HS' }), layout);
    expect(reg(sup.hart, 's0')).toBe(13);
    const user = run(program('li t0, 0x40005000\nhlv.w s7, (t0)', { mode: 'HS' }), layout);
    expect(reg(user.hart, 's0')).toBe(9);
    expect(reg(user.hart, 's7')).toBe(0x42);
  });

  it('U-mode may use them when hstatus.HU=1', () => {
    const r = run(program('li t0, 0x40005000\nhlv.w s7, (t0)', { mode: 'U', setup: `li t0, ${HSTATUS_HU}\ncsrs hstatus, t0` }), layout);
    expect(reg(r.hart, 's0')).toBe(8);
    expect(reg(r.hart, 's7')).toBe(0x42);
  });

  it('a guest-page fault of HLV into HS: GVA=1 with SPV=0, htinst = HLV with rs1 replaced by the offset', () => {
    const r = run(program('li t0, 0x40004000\nhlv.w s7, (t0)', { mode: 'HS', setup: `${SPVP}\nli t0, 0x200000\ncsrw medeleg, t0` }), { ...layout, g: { 4: 0 } });
    expect(reg(r.hart, 'a0')).toBe(21);
    expect(reg(r.hart, 'a1')).toBe(0x40004000);
    expect(reg(r.hart, 'a2')).toBe(0x80404000 / 4);
    expect(reg(r.hart, 'a3')).toBe(word('hlv.w s7, (zero)'));
    expect(reg(r.hart, 'a4') & (HSTATUS_GVA | HSTATUS_SPV)).toBe(HSTATUS_GVA);
  });

  it('a misaligned HLV raises load address misaligned with a guest virtual tval', () => {
    const r = run(program('li t0, 0x40004002\nhlv.w s7, (t0)', { mode: 'HS', setup: SPVP }), layout);
    expect(reg(r.hart, 's0')).toBe(4);
    expect(reg(r.hart, 's1')).toBe(0x40004002);
    expect(reg(r.hart, 's4') & MSTATUSH_GVA).toBe(MSTATUSH_GVA);
  });
});

describe.each(MODES)('HFENCE ($name)', ({ blocks }) => {
  function run(source: string, vs: Record<number, number>, g: Record<number, number>, data: Record<number, number>): AsmRun {
    const m = asmMachine(source, { blocks });
    const set = (pa: number, v: number) => setRamWord(m.machine, pa, v);
    for (const i of [0x200, 0x202, 0x203]) set(G_ROOT + i * 4, pte(i * 0x400000, G_LEAF));
    set(G_ROOT + 0x201 * 4, pte(G_L0, PTE_V));
    for (let i = 0; i < 1024; i++) set(G_L0 + i * 4, pte(0x80400000 + i * 4096, G_LEAF));
    for (const [i, v] of Object.entries(g)) set(G_L0 + Number(i) * 4, v);
    set(VS_ROOT + 0x200 * 4, pte(0x80000000, PTE_X | RW_AD));
    for (const i of [0x201, 0x202, 0x203]) set(VS_ROOT + i * 4, pte(i * 0x400000, RW_AD));
    set(VS_ROOT + 0x100 * 4, pte(VS_L0, PTE_V));
    for (const [i, v] of Object.entries(vs)) set(VS_L0 + Number(i) * 4, v);
    for (const [pa, v] of Object.entries(data)) set(Number(pa), v);
    return { ...m, outcome: m.machine.run(1_000_000) };
  }
  // M-mode with MPRV and MPV=1: its loads and stores translate (and fill the TLBs) as VS
  // would, without the traps or mode changes that flush everything.
  const MPRV_AS_VS = `li t0, ${MSTATUSH_MPV}\ncsrs mstatush, t0\nli t0, 0x20800\ncsrs mstatus, t0`;
  const data = { 0x80404000: 0xaaaa, 0x80405000: 0xbbbb };

  it('a changed G-stage PTE is not seen until HFENCE.GVMA', () => {
    const body = `li t0, 0x40004000
      lw s7, 0(t0)
      li t1, ${G_L0 + 4 * 4}
      li t2, ${pte(0x80405000, G_LEAF)}
      sw t2, 0(t1)
      lw s8, 0(t0)
      hfence.gvma
      lw s9, 0(t0)
      li t0, 0x20000
      csrc mstatus, t0`;
    const r = run(program(body, { mode: 'M', setup: MPRV_AS_VS }), { 4: pte(0x80404000, RW_AD) }, {}, data);
    expect(reg(r.hart, 's0')).toBe(11);
    expect(ramWord(r.machine, G_L0 + 16)).toBe(pte(0x80405000, G_LEAF) >>> 0);
    expect([reg(r.hart, 's7'), reg(r.hart, 's8'), reg(r.hart, 's9')]).toEqual([0xaaaa, 0xaaaa, 0xbbbb]);
  });

  it('a changed VS-stage PTE is not seen until HFENCE.VVMA', () => {
    const body = `li t0, 0x40004000
      lw s7, 0(t0)
      li t1, ${VS_L0 + 4 * 4}
      li t2, ${pte(0x80405000, RW_AD)}
      sw t2, 0(t1)
      lw s8, 0(t0)
      hfence.vvma
      lw s9, 0(t0)
      li t0, 0x20000
      csrc mstatus, t0`;
    const r = run(program(body, { mode: 'M', setup: MPRV_AS_VS }), { 4: pte(0x80404000, RW_AD) }, {}, data);
    expect(reg(r.hart, 's0')).toBe(11);
    expect([reg(r.hart, 's7'), reg(r.hart, 's8'), reg(r.hart, 's9')]).toEqual([0xaaaa, 0xaaaa, 0xbbbb]);
  });

  it('a guest in VS keeps its stale translation after changing a G-stage PTE it can reach', () => {
    // The G-stage tables lie in guest-physical space the G stage maps identically, so
    // the guest can write them; without a fence it still sees the old page.
    const body = `li t0, 0x40004000
      lw s7, 0(t0)
      li t1, ${G_L0 + 4 * 4}
      li t2, ${pte(0x80405000, G_LEAF)}
      sw t2, 0(t1)
      lw s8, 0(t0)`;
    const r = run(program(body), { 4: pte(0x80404000, RW_AD) }, {}, data);
    expect(reg(r.hart, 's0')).toBe(10);
    expect([reg(r.hart, 's7'), reg(r.hart, 's8')]).toEqual([0xaaaa, 0xaaaa]);
  });
});
