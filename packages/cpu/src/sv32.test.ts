// Sv32 address translation as a running hart sees it (privileged spec 1.12, section
// 4.3): 4 KiB pages and 4 MiB superpages, misaligned superpages, U/SUM/MXR, MPRV with
// MPP, A and D set by the walk, page faults with tval = the virtual address (causes
// 12, 13, 15), access faults during the walk, and SFENCE.VMA making a remap visible.
// The test writes the page tables into RAM before the program runs; M-mode code turns
// translation on and drops to S (or U). Each case runs with blocks
// enabled and with the interpreter alone.
import { describe, expect, it } from 'vitest';
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from '@hvrr/mmu';
import { assemble } from './isa/index.js';
import { CSR } from './csr-numbers.js';
import { PASS, asmMachine, ramWord, reg, setRamWord, type AsmRun, MODES, addressOf } from '../../../tests/support/asm-machine.js';

const ROOT = 0x80010000;
const L0 = 0x80011000;
const PAGE_A = 0x80020000;
const PAGE_B = 0x80021000;
const PAGE_C = 0x80022000;
const SATP = (0x80000000 | (ROOT >>> 12)) >>> 0;
const RWX_AD = PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
const RW_AD = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;

/** A PTE for physical address `pa` (its PPN) with `flags`. */
function pte(pa: number, flags: number): number {
  return (Math.floor(pa / 4096) * 1024 + flags) | 0;
}

interface Layout {
  /** Level-0 entries for VA 0x40000000 + 4 KiB * index. */
  l0?: Record<number, number>;
  /** Extra root entries by VPN[1] (0x200, the identity superpage of the code, is preset). */
  root?: Record<number, number>;
  /** Words of RAM to preset: physical address -> value. */
  data?: Record<number, number>;
}

/**
 * M-mode turns on Sv32 (root at ROOT), sets `mstatus` bits and enters `body` in S. The
 * body ends with an ecall; every trap to M ends the run. `ucode` (if given) is placed
 * on its own page, for a U-mode mapping.
 */
function program(body: string, options: { mstatus?: number; mode?: 'S' | 'U'; entry?: string; ucode?: string; satp?: number } = {}): string {
  const mode = options.mode ?? 'S';
  return `
    la t0, trap
    csrw mtvec, t0
    li t0, ${options.satp ?? SATP}
    csrw satp, t0
    sfence.vma
    li t0, ${options.mstatus ?? 0}
    csrs mstatus, t0
    li t0, 0x1800
    csrc mstatus, t0
    li t0, ${mode === 'S' ? 0x800 : 0}
    csrs mstatus, t0
    ${options.entry ? `li t0, ${options.entry}` : 'la t0, sbody'}
    csrw mepc, t0
    mret
    sbody:
    ${body}
    ecall
    trap:
    ${PASS}
    ${options.ucode !== undefined ? `.align 12\nucode:\n${options.ucode}\necall` : ''}`;
}

describe.each(MODES)('Sv32 ($name)', ({ blocks }) => {
  function run(source: string, layout: Layout = {}): AsmRun {
    const m = asmMachine(source, { blocks });
    setRamWord(m.machine, ROOT + 0x200 * 4, pte(0x80000000, RWX_AD));
    setRamWord(m.machine, ROOT + 0x100 * 4, pte(L0, PTE_V));
    for (const [vpn1, value] of Object.entries(layout.root ?? {})) setRamWord(m.machine, ROOT + Number(vpn1) * 4, value);
    for (const [index, value] of Object.entries(layout.l0 ?? {})) setRamWord(m.machine, L0 + Number(index) * 4, value);
    for (const [pa, value] of Object.entries(layout.data ?? {})) setRamWord(m.machine, Number(pa), value);
    return { ...m, outcome: m.machine.run(1_000_000) };
  }
  const trap = (r: AsmRun) => ({ cause: r.hart.csr[CSR.mcause]! >>> 0, epc: r.hart.csr[CSR.mepc]! >>> 0, tval: r.hart.csr[CSR.mtval]! >>> 0 });
  const ECALL_S = 9;

  it('a 4 KiB page maps a virtual page onto its physical page', () => {
    const r = run(program('li t1, 0x40000000\nli t2, 0x12345678\nsw t2, 8(t1)\nlw a0, 8(t1)\nli t1, 0x40000ff0\nlw a1, 0xc(t1)'), {
      l0: { 0: pte(PAGE_A, RW_AD) },
      data: { [PAGE_A + 0xffc]: 0x5a5a5a5a },
    });
    expect(trap(r).cause).toBe(ECALL_S);
    expect(ramWord(r.machine, PAGE_A + 8)).toBe(0x12345678);
    expect(reg(r.hart, 'a0')).toBe(0x12345678);
    expect(reg(r.hart, 'a1')).toBe(0x5a5a5a5a);
  });

  it('a 4 MiB superpage maps VPN[0] and the offset straight through', () => {
    const r = run(program('li t1, 0x40412344\nli t2, 0x0badcafe\nsw t2, 0(t1)\nlw a0, 0(t1)'), {
      root: { 0x101: pte(0x80400000, RW_AD) },
    });
    expect(trap(r).cause).toBe(ECALL_S);
    expect(ramWord(r.machine, 0x80412344)).toBe(0x0badcafe);
    expect(reg(r.hart, 'a0')).toBe(0x0badcafe);
  });

  it.each([
    ['lw a0, 0(t1)', 13],
    ['sw a0, 0(t1)', 15],
    ['jalr ra, 0(t1)', 12],
  ] as const)('a misaligned superpage (PPN[0] != 0): %s raises page fault %i with tval = the address', (insn, cause) => {
    const source = program(`li t1, 0x40800010\nhere: ${insn}`);
    const r = run(source, { root: { 0x102: pte(0x80401000, RWX_AD) } });
    const fetch = cause === 12;
    expect(trap(r)).toEqual({ cause, epc: fetch ? 0x40800010 : addressOf(source, 'here'), tval: 0x40800010 });
  });

  it('the walk sets A on an access and D on a store, in 4 KiB and super pages', () => {
    const r = run(program('li t1, 0x40001000\nlw a0, 0(t1)\nli t1, 0x40002000\nsw a0, 0(t1)\nli t1, 0x40400000\nlw a0, 0(t1)'), {
      l0: { 1: pte(PAGE_B, PTE_V | PTE_R | PTE_W), 2: pte(PAGE_C, PTE_V | PTE_R | PTE_W) },
      root: { 0x101: pte(0x80400000, PTE_V | PTE_R | PTE_W) },
    });
    expect(trap(r).cause).toBe(ECALL_S);
    expect(ramWord(r.machine, L0 + 4)).toBe(pte(PAGE_B, PTE_V | PTE_R | PTE_W | PTE_A) >>> 0);
    expect(ramWord(r.machine, L0 + 8)).toBe(pte(PAGE_C, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D) >>> 0);
    expect(ramWord(r.machine, ROOT + 0x101 * 4)).toBe(pte(0x80400000, PTE_V | PTE_R | PTE_W | PTE_A) >>> 0);
  });

  it('page faults: load from an invalid PTE (13), store to a read-only page (15), fetch from a page without X (12)', () => {
    const load = program('li t1, 0x40005abc\nhere: lw a0, 0(t1)');
    expect(trap(run(load))).toEqual({ cause: 13, epc: addressOf(load, 'here'), tval: 0x40005abc });
    const store = program('li t1, 0x40002ff8\nli a0, 7\nhere: sw a0, 0(t1)');
    const rs = run(store, { l0: { 2: pte(PAGE_C, PTE_V | PTE_R | PTE_A) } });
    expect(trap(rs)).toEqual({ cause: 15, epc: addressOf(store, 'here'), tval: 0x40002ff8 });
    expect(ramWord(rs.machine, PAGE_C + 0xff8)).toBe(0);
    const amo = program('li t1, 0x40002ff8\nli a0, 7\nhere: amoor.w a1, a0, (t1)');
    expect(trap(run(amo, { l0: { 2: pte(PAGE_C, PTE_V | PTE_R | PTE_A) } }))).toEqual({ cause: 15, epc: addressOf(amo, 'here'), tval: 0x40002ff8 });
    const fetch = program('li t1, 0x40002000\njalr ra, 0(t1)');
    expect(trap(run(fetch, { l0: { 2: pte(PAGE_C, PTE_V | PTE_R | PTE_A) } }))).toEqual({ cause: 12, epc: 0x40002000, tval: 0x40002000 });
  });

  it('reserved and malformed PTEs fault: W without R, a pointer at level 0', () => {
    const load = program('li t1, 0x40006000\nlw a0, 0(t1)');
    expect(trap(run(load, { l0: { 6: pte(PAGE_C, PTE_V | PTE_W | PTE_A | PTE_D) } })).cause).toBe(13);
    const store = program('li t1, 0x40006000\nsw a0, 0(t1)');
    expect(trap(run(store, { l0: { 6: pte(PAGE_C, PTE_V | PTE_W | PTE_A | PTE_D) } })).cause).toBe(15);
    const pointer = program('li t1, 0x40007000\nlw a0, 0(t1)');
    expect(trap(run(pointer, { l0: { 7: pte(PAGE_C, PTE_V) } }))).toMatchObject({ cause: 13, tval: 0x40007000 });
  });

  it('S-mode and U pages: loads and stores need SUM; fetches never succeed', () => {
    const body = 'li t1, 0x40008000\nlw a0, 0(t1)\nsw a0, 4(t1)';
    const layout = { l0: { 8: pte(PAGE_A, RW_AD | PTE_U) }, data: { [PAGE_A]: 0x600d } };
    expect(trap(run(program(body), layout))).toMatchObject({ cause: 13, tval: 0x40008000 });
    const withSum = run(program(body, { mstatus: 0x40000 }), layout);
    expect(trap(withSum).cause).toBe(ECALL_S);
    expect(ramWord(withSum.machine, PAGE_A + 4)).toBe(0x600d);
    const source = program('li t1, 0x40003000\njalr ra, 0(t1)', { mstatus: 0x40000, ucode: 'nop' });
    const ucode = addressOf(source, 'ucode');
    expect(trap(run(source, { l0: { 3: pte(ucode, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A) } }))).toEqual({ cause: 12, epc: 0x40003000, tval: 0x40003000 });
  });

  it('U-mode: runs and loads from U pages; a non-U page faults for loads (13) and fetches (12)', () => {
    const ucodeBody = 'li t1, 0x40008000\nlw a0, 0(t1)\nli t1, 0x40000000\nhere: lw a1, 0(t1)';
    const source = program('', { mode: 'U', entry: '0x40003000', ucode: ucodeBody });
    const ucode = addressOf(source, 'ucode');
    const layout = {
      l0: { 0: pte(PAGE_B, RW_AD), 3: pte(ucode, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A), 8: pte(PAGE_A, RW_AD | PTE_U) },
      data: { [PAGE_A]: 0x7777 },
    };
    const r = run(source, layout);
    expect(reg(r.hart, 'a0')).toBe(0x7777);
    expect(trap(r)).toEqual({ cause: 13, epc: 0x40003000 + (addressOf(source, 'here') - ucode), tval: 0x40000000 });
    // Fetch from the (non-U) identity superpage in U-mode.
    const jump = program('', { mode: 'U', entry: '0x40003000', ucode: 'li t1, 0x80000000\njalr ra, 0(t1)' });
    const j = run(jump, { l0: { 3: pte(addressOf(jump, 'ucode'), PTE_V | PTE_R | PTE_X | PTE_U | PTE_A) } });
    expect(trap(j)).toEqual({ cause: 12, epc: 0x80000000, tval: 0x80000000 });
  });

  it('MXR makes execute-only pages readable', () => {
    const body = 'li t1, 0x40004010\nlw a0, 0(t1)';
    const layout = { l0: { 4: pte(PAGE_C, PTE_V | PTE_X | PTE_A) }, data: { [PAGE_C + 0x10]: 0x1234abcd } };
    expect(trap(run(program(body), layout))).toMatchObject({ cause: 13, tval: 0x40004010 });
    const r = run(program(body, { mstatus: 0x80000 }), layout);
    expect(trap(r).cause).toBe(ECALL_S);
    expect(reg(r.hart, 'a0')).toBe(0x1234abcd);
  });

  it('MPRV: M-mode loads and stores translate as MPP; fetches do not', () => {
    // No identity mapping at all: M-mode code keeps running only if its fetches are untranslated.
    const source = `
      la t0, trap
      csrw mtvec, t0
      li t0, ${SATP}
      csrw satp, t0
      li t0, 0x1800
      csrc mstatus, t0
      li t0, 0x20800
      csrs mstatus, t0
      li t1, 0x40000000
      li a1, 0
      lw a0, 0(t1)
      sw a0, 4(t1)
      li t0, 0x1800
      csrc mstatus, t0
      here: lw a1, 0(t1)
      trap:
      ${PASS}`;
    const r = run(source, { root: { 0x200: 0 }, l0: { 0: pte(PAGE_A, RW_AD) }, data: { [PAGE_A]: 0xfeed } });
    expect(reg(r.hart, 'a0')).toBe(0xfeed);
    expect(ramWord(r.machine, PAGE_A + 4)).toBe(0xfeed);
    // MPP = U: the page is not a U page, so the load faults, in M-mode.
    expect(trap(r)).toEqual({ cause: 13, epc: addressOf(source, 'here'), tval: 0x40000000 });
    expect(reg(r.hart, 'a1')).toBe(0);
  });

  it.each(['sfence.vma', 'sfence.vma t1, zero', 'sfence.vma zero, zero'])('%s makes a remapped page visible', (fence) => {
    const body = `
      li t1, 0x40000000
      lw a0, 0(t1)
      li t2, ${L0}
      li t3, ${pte(PAGE_B, RW_AD)}
      sw t3, 0(t2)
      ${fence}
      lw a1, 0(t1)`;
    const r = run(program(body), { l0: { 0: pte(PAGE_A, RW_AD) }, data: { [PAGE_A]: 0x11111111, [PAGE_B]: 0x22222222 } });
    expect(trap(r).cause).toBe(ECALL_S);
    expect(reg(r.hart, 'a0')).toBe(0x11111111);
    expect(reg(r.hart, 'a1')).toBe(0x22222222);
  });

  it('a remap of the page being executed takes effect at the instruction after SFENCE.VMA', () => {
    // Two physical code pages, mapped in turn at virtual 0x40009000. The first rewrites
    // its own PTE (new value in a5) and fences; the next fetch must use the new page.
    const source = `
      la t0, trap
      csrw mtvec, t0
      li t0, ${SATP}
      csrw satp, t0
      li t0, 0x1000
      csrc mstatus, t0
      li t0, 0x800
      csrs mstatus, t0
      li t0, 0x40009000
      csrw mepc, t0
      mret
      trap:
      ${PASS}
      .align 12
      copy1:
      li a0, 1
      li t2, ${L0 + 9 * 4}
      sw a5, 0(t2)
      sfence.vma
      li a0, 3
      ecall
      .align 12
      copy2:
      nop
      nop
      nop
      nop
      nop
      li a0, 2
      ecall`;
    const m = asmMachine(source, { blocks });
    setRamWord(m.machine, ROOT + 0x200 * 4, pte(0x80000000, RWX_AD));
    setRamWord(m.machine, ROOT + 0x100 * 4, pte(L0, PTE_V));
    setRamWord(m.machine, L0 + 9 * 4, pte(addressOf(source, 'copy1'), PTE_V | PTE_R | PTE_X | PTE_A));
    m.hart.x[15] = pte(addressOf(source, 'copy2'), PTE_V | PTE_R | PTE_X | PTE_A);
    m.machine.run(1_000_000);
    expect(m.hart.csr[CSR.mcause]! >>> 0).toBe(ECALL_S);
    expect(m.hart.csr[CSR.mepc]! >>> 0).toBe(0x40009018);
    expect(reg(m.hart, 'a0')).toBe(2);
  });

  it('clearing SUM or MXR takes effect on the next access, although the page was just used', () => {
    const sum = program('li t1, 0x40008000\nlw a0, 0(t1)\nli t0, 0x40000\ncsrc sstatus, t0\nhere: lw a1, 0(t1)', { mstatus: 0x40000 });
    const r1 = run(sum, { l0: { 8: pte(PAGE_A, RW_AD | PTE_U) }, data: { [PAGE_A]: 0x51 } });
    expect(reg(r1.hart, 'a0')).toBe(0x51);
    expect(trap(r1)).toEqual({ cause: 13, epc: addressOf(sum, 'here'), tval: 0x40008000 });
    const mxr = program('li t1, 0x40004000\nlw a0, 0(t1)\nli t0, 0x80000\ncsrc sstatus, t0\nhere: lw a1, 0(t1)', { mstatus: 0x80000 });
    const r2 = run(mxr, { l0: { 4: pte(PAGE_C, PTE_V | PTE_X | PTE_A) }, data: { [PAGE_C]: 0x52 } });
    expect(reg(r2.hart, 'a0')).toBe(0x52);
    expect(trap(r2)).toEqual({ cause: 13, epc: addressOf(mxr, 'here'), tval: 0x40004000 });
  });

  it('with MPRV set, changing MPP from S to U takes effect on the next access', () => {
    const source = `
      la t0, trap
      csrw mtvec, t0
      li t0, ${SATP}
      csrw satp, t0
      li t0, 0x1800
      csrc mstatus, t0
      li t0, 0x20800
      csrs mstatus, t0
      li t1, 0x40000000
      lw a0, 0(t1)
      li t0, 0x800
      csrc mstatus, t0
      here: lw a1, 0(t1)
      trap:
      ${PASS}`;
    const r = run(source, { l0: { 0: pte(PAGE_A, RW_AD) }, data: { [PAGE_A]: 0x53 } });
    expect(reg(r.hart, 'a0')).toBe(0x53);
    expect(trap(r)).toEqual({ cause: 13, epc: addressOf(source, 'here'), tval: 0x40000000 });
  });

  it('the walk faults with an access fault when a page table is not in memory', () => {
    // Root page table at physical 0x1000 (nothing there): the first S fetch faults.
    const source = program('nop', { satp: 0x80000001 });
    const r = run(source);
    expect(trap(r)).toEqual({ cause: 1, epc: addressOf(source, 'sbody'), tval: addressOf(source, 'sbody') });
    const load = program('li t1, 0x40c00000\nlw a0, 0(t1)');
    expect(trap(run(load, { root: { 0x103: pte(0x1000, PTE_V) } }))).toMatchObject({ cause: 5, tval: 0x40c00000 });
    const store = program('li t1, 0x40c00000\nsw a0, 0(t1)');
    expect(trap(run(store, { root: { 0x103: pte(0x1000, PTE_V) } }))).toMatchObject({ cause: 7, tval: 0x40c00000 });
  });

  it('physical addresses have 34 bits: a page above 4 GiB is not RAM at 0x80000000', () => {
    const load = program('li t1, 0x4000a000\nlw a0, 0(t1)');
    // Were the address cut to 32 bits, it would read 0x80030000, which holds data.
    const r = run(load, { l0: { 10: pte(0x280030000, RW_AD) }, data: { [0x80030000]: 0x13 } });
    expect(trap(r)).toMatchObject({ cause: 5, tval: 0x4000a000 });
    expect(reg(r.hart, 'a0')).toBe(0);
  });

  it('a page fault from U delegated to S: scause 13, stval = the address', () => {
    const source = `
      la t0, trap
      csrw mtvec, t0
      la t0, strap
      csrw stvec, t0
      li t0, 0x2000
      csrw medeleg, t0
      li t0, ${SATP}
      csrw satp, t0
      li t0, 0x1800
      csrc mstatus, t0
      li t0, 0x40003000
      csrw mepc, t0
      mret
      strap:
      csrr a0, scause
      csrr a1, stval
      csrr a2, sepc
      ecall
      trap:
      ${PASS}
      .align 12
      ucode:
      li t1, 0x40005554
      lw a3, 0(t1)`;
    const r = run(source, { l0: { 3: pte(addressOf(source, 'ucode'), PTE_V | PTE_R | PTE_X | PTE_U | PTE_A) } });
    expect(reg(r.hart, 'a0')).toBe(13);
    expect(reg(r.hart, 'a1')).toBe(0x40005554);
    expect(reg(r.hart, 'a2')).toBe(0x40003008);
    expect(r.hart.csr[CSR.mcause]! >>> 0).toBe(ECALL_S);
  });
});

describe.each(MODES)('misaligned accesses across a page boundary ($name)', ({ blocks }) => {
  function run(access: string) {
    const source = program(`li t1, 0x40000ffe\nli a0, 0x55\nhere: ${access}`);
    const m = asmMachine(source, { blocks });
    setRamWord(m.machine, ROOT + 0x200 * 4, pte(0x80000000, RWX_AD));
    setRamWord(m.machine, ROOT + 0x100 * 4, pte(L0, PTE_V));
    setRamWord(m.machine, L0, pte(PAGE_A, RW_AD));
    setRamWord(m.machine, L0 + 8, pte(PAGE_C, RW_AD));
    m.machine.run(1_000_000);
    return { hart: m.hart, machine: m.machine, here: addressOf(source, 'here') };
  }

  it('a misaligned load spanning two mapped pages completes', () => {
    const source = program('li t1, 0x40000ffe\nlw a0, 0(t1)');
    const m = asmMachine(source, { blocks });
    setRamWord(m.machine, ROOT + 0x200 * 4, pte(0x80000000, RWX_AD));
    setRamWord(m.machine, ROOT + 0x100 * 4, pte(L0, PTE_V));
    setRamWord(m.machine, L0, pte(PAGE_A, RW_AD));
    setRamWord(m.machine, L0 + 4, pte(PAGE_C, RW_AD));
    setRamWord(m.machine, PAGE_A + 0xffc, 0x2211ffff);
    setRamWord(m.machine, PAGE_C, 0xffff4433);
    m.machine.run(1_000_000);
    expect(m.hart.csr[CSR.mcause]! >>> 0).toBe(9);
    expect(reg(m.hart, 'a0')).toBe(0x44332211);
  });

  // BUG: hart.ts loadSlow/storeSlow report the access's first byte (va) as tval when
  // the fault is on the second page. Privileged spec 1.12, 3.1.16 (mtval): "If mtval is
  // written with a nonzero value when a misaligned load or store causes an access-fault
  // or page-fault exception, then mtval will contain the virtual address of the portion
  // of the access that caused the fault" - here the part on page 0x40001000.
  it.each(['lw a0, 0(t1)', 'sw a0, 0(t1)', 'lhu a0, 1(t1)'])('%s whose second page is unmapped: tval is the address of the faulting portion', (access) => {
    const r = run(access);
    const cause = r.hart.csr[CSR.mcause]! >>> 0;
    const tval = r.hart.csr[CSR.mtval]! >>> 0;
    expect(cause).toBe(access.startsWith('s') ? 15 : 13);
    expect(r.hart.csr[CSR.mepc]! >>> 0).toBe(r.here);
    expect(tval).toBeGreaterThanOrEqual(0x40001000);
    expect(tval).toBeLessThanOrEqual(0x40001002);
  });

  it.each(['lw a0, 0(t1)', 'sw a0, 0(t1)'])('%s whose second page is unmapped: a page fault with epc = the access, a0 unchanged', (access) => {
    const r = run(access);
    expect(r.hart.csr[CSR.mcause]! >>> 0).toBe(access.startsWith('s') ? 15 : 13);
    expect(r.hart.csr[CSR.mepc]! >>> 0).toBe(r.here);
    expect(reg(r.hart, 'a0')).toBe(0x55);
  });
});
