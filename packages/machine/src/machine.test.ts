// The virt board around the hart: reset state, the test finisher, HTIF, the NS16550A
// UART, the CLINT, the built-in SBI firmware, configuration errors and determinism.
// Programs are assembled with the project's assembler and wrapped into ELFs in memory.
import { describe, expect, it } from 'vitest';
import { CSR, assemble } from '@hvrr/cpu';
import { BufferConsole, Machine, MachineError, deviceTreeBootargs, exitStatusOf } from './index.js';
import { PASS, asmMachine, failWith, ramWord, reg, runAsm, setRamWord } from '../../../tests/support/asm-machine.js';
import { buildTestElf, elfFromAssembly } from '../../../tests/support/test-elf.js';

const RAM_BASE = 0x80000000;

describe('reset', () => {
  it('starts in M-mode at the ELF entry with a0 = hart id 0 and a1 = the device tree in RAM', () => {
    const words = assemble('li a0, 1\nli a1, 2\nentry: csrr a2, mhartid\ncsrr a3, mstatus\n' + PASS);
    const machine = new Machine({ image: buildTestElf(words, { entry: RAM_BASE + 8 }), console: new BufferConsole(), memSize: 16 << 20, bootargs: 'console=ttyS0 init=x' });
    const hart = machine.hart;
    expect(hart.pc >>> 0).toBe(RAM_BASE + 8);
    expect(hart.priv).toBe(3);
    expect(hart.x[10]).toBe(0);
    const dtb = hart.x[11]! >>> 0;
    expect(dtb).toBe(machine.dtbAddress);
    // QEMU's spot: the top of RAM rounded down to 2 MiB.
    expect(dtb).toBe(RAM_BASE + (16 << 20) - (2 << 20));
    const ram = machine.bus.ram;
    const blob = ram.u8.slice(dtb - RAM_BASE, dtb - RAM_BASE + machine.dtb.length);
    expect(new DataView(blob.buffer).getUint32(0)).toBe(0xd00dfeed);
    expect(deviceTreeBootargs(blob)).toBe('console=ttyS0 init=x');
    expect(machine.run(100)?.kind).toBe('pass');
    // The first two instructions were skipped: a0 stayed the hart id.
    expect(hart.x[10]).toBe(0);
    expect(hart.x[12]).toBe(0);
  });
});

describe('SiFive test finisher', () => {
  it.each([
    ['0x5555 (pass)', PASS, { kind: 'pass' }, 0],
    ['0x3333 with code 9', failWith(9), { kind: 'fail', code: 9 }, 9],
    ['0x3333 with code 0', failWith(0), { kind: 'fail', code: 1 }, 1],
    ['0x3333 with code 200', failWith(200), { kind: 'fail', code: 200 }, 123],
    ['0x7777 (reset)', 'li t6, 0x100000\nli t5, 0x7777\nsw t5, 0(t6)', { kind: 'pass' }, 0],
  ])('%s ends the run as %o, exit status %i', (_name, source, outcome, status) => {
    const r = runAsm(`${source}\nj .`);
    expect(r.outcome).toMatchObject(outcome);
    expect(exitStatusOf(r.outcome!)).toBe(status);
  });

  it('other values and offsets do nothing', () => {
    const r = runAsm('li t6, 0x100000\nli t5, 0x1234\nsw t5, 0(t6)\nli t5, 0x5555\nsw t5, 4(t6)\nli a0, 3\nj .', { budget: 1000 });
    expect(r.outcome).toBeNull();
    expect(reg(r.hart, 'a0')).toBe(3);
  });
});

describe('HTIF (tohost/fromhost)', () => {
  const TOHOST = 0x80002000;
  const symbols = { tohost: TOHOST, fromhost: TOHOST + 8 };

  it('1 ends the run with success, once the high word is written', () => {
    const r = runAsm(`li t0, ${TOHOST}\nli t1, 1\nsw t1, 0(t0)\nli a0, 5\nsw zero, 4(t0)\nli a0, 6\nj .`, { symbols });
    expect(r.outcome).toMatchObject({ kind: 'pass' });
    // The run stopped right after the store of the high word.
    expect(reg(r.hart, 'a0')).toBe(5);
  });

  it('an odd value v ends the run with failure code v >> 1', () => {
    const r = runAsm(`li t0, ${TOHOST}\nli t1, ${(21 << 1) | 1}\nsw t1, 0(t0)\nsw zero, 4(t0)\nj .`, { symbols });
    expect(r.outcome).toMatchObject({ kind: 'fail', code: 21 });
    expect(exitStatusOf(r.outcome!)).toBe(21);
  });

  it('an even value is a syscall block: SYS_write prints, returns its length, clears tohost and sets fromhost', () => {
    const BLOCK = 0x80003000;
    const BUF = 0x80003100;
    const source = `
      li t0, ${TOHOST}
      li t1, ${BLOCK}
      sw t1, 0(t0)
      sw zero, 4(t0)
      wait: lw t2, 0(t0)
      bnez t2, wait
      lw a0, 8(t0)
      li t1, 1
      sw t1, 0(t0)
      sw zero, 4(t0)
      j .`;
    const m = asmMachine(source, { symbols });
    const text = new TextEncoder().encode('hello, htif\n');
    m.machine.bus.ram.u8.set(text, BUF - RAM_BASE);
    for (const [k, v] of [64, 1, BUF, text.length].entries()) setRamWord(m.machine, BLOCK + 8 * k, v);
    const outcome = m.machine.run(10_000);
    expect(outcome).toMatchObject({ kind: 'pass' });
    expect(m.console.text()).toBe('hello, htif\n');
    expect(ramWord(m.machine, BLOCK)).toBe(text.length);
    expect(reg(m.hart, 'a0')).toBe(1);
  });

  it('device 1, command 1 writes a character to the console', () => {
    const r = runAsm(`li t0, ${TOHOST}\nli t1, 0x41\nsw t1, 0(t0)\nli t1, 0x01010000\nsw t1, 4(t0)\nli t1, 1\nsw t1, 0(t0)\nsw zero, 4(t0)\nj .`, { symbols });
    expect(r.console.text()).toBe('A');
    expect(r.outcome?.kind).toBe('pass');
  });

  it('a tohost symbol outside RAM is a configuration error', () => {
    expect(() => new Machine({ image: elfFromAssembly('j .', { symbols: { tohost: 0x1000 } }), console: new BufferConsole() })).toThrow(MachineError);
  });
});

describe('NS16550A UART', () => {
  const UART = 0x10000000;

  it('THR writes reach the console; LSR says the transmitter is empty and whether input waits', () => {
    const r = runAsm(`
      li t0, ${UART}
      li t1, 0x4f
      sb t1, 0(t0)
      li t1, 0x4b
      sb t1, 0(t0)
      lbu a0, 5(t0)
      lbu a1, 0(t0)
      lbu a2, 5(t0)
      lbu a3, 0(t0)
      lbu a4, 5(t0)
      lbu a5, 2(t0)
      ${PASS}`, { input: 'z' });
    expect(r.console.text()).toBe('OK');
    expect(reg(r.hart, 'a0')).toBe(0x61);
    expect(reg(r.hart, 'a1')).toBe(0x7a);
    expect(reg(r.hart, 'a2')).toBe(0x60);
    expect(reg(r.hart, 'a3')).toBe(0);
    expect(reg(r.hart, 'a4') & 1).toBe(0);
    expect(reg(r.hart, 'a5')).toBe(0xc1);
  });

  it('the divisor latch and the scratch register hold what is written; THR writes with DLAB set do not print', () => {
    const r = runAsm(`
      li t0, ${UART}
      li t1, 0x80
      sb t1, 3(t0)
      li t1, 3
      sb t1, 0(t0)
      li t1, 1
      sb t1, 1(t0)
      lbu a0, 0(t0)
      lbu a1, 1(t0)
      li t1, 3
      sb t1, 3(t0)
      lbu a2, 3(t0)
      li t1, 0x5a
      sb t1, 7(t0)
      lbu a3, 7(t0)
      ${PASS}`);
    expect(r.console.text()).toBe('');
    expect([reg(r.hart, 'a0'), reg(r.hart, 'a1'), reg(r.hart, 'a2'), reg(r.hart, 'a3')]).toEqual([3, 1, 3, 0x5a]);
  });

  it('a polling echo loop returns console input byte for byte, in order', () => {
    const echo = `
      li t0, ${UART}
      li t2, 10
      poll: lbu t1, 5(t0)
      andi t1, t1, 1
      beqz t1, poll
      lbu a0, 0(t0)
      sb a0, 0(t0)
      bne a0, t2, poll
      ${PASS}`;
    const input = 'echo me, please!\n';
    for (const blocks of [true, false]) {
      const r = runAsm(echo, { input, blocks });
      expect(r.outcome?.kind).toBe('pass');
      expect(r.console.text()).toBe(input);
    }
  });
});

describe('CLINT', () => {
  it('mtime counts one tick per 100 retired instructions; mtimecmp halves read back', () => {
    const r = runAsm(`
      li t1, 1000
      loop: addi t1, t1, -1
      bnez t1, loop
      csrr s1, minstret
      li t0, 0x200bff8
      lw a0, 0(t0)
      lw a1, 4(t0)
      li t0, 0x2004000
      li t1, 0x12345678
      sw t1, 0(t0)
      li t1, 0x9
      sw t1, 4(t0)
      lw a2, 0(t0)
      lw a3, 4(t0)
      ${PASS}`);
    // lw a0 retires after csrr and two li instructions.
    expect(reg(r.hart, 'a0')).toBe(Math.floor((reg(r.hart, 's1') + 3) / 100));
    expect(reg(r.hart, 'a1')).toBe(0);
    expect([reg(r.hart, 'a2'), reg(r.hart, 'a3')]).toEqual([0x12345678, 9]);
  });

  it('msip sets and clears MSIP in mip; a write to mtime moves guest time', () => {
    const r = runAsm(`
      li t0, 0x2000000
      li t1, 1
      sw t1, 0(t0)
      csrr a0, mip
      lw a1, 0(t0)
      sw zero, 0(t0)
      csrr a2, mip
      li t0, 0x200bff8
      li t1, 1000000
      sw t1, 0(t0)
      lw a3, 0(t0)
      csrr a4, time
      ${PASS}`);
    expect(reg(r.hart, 'a0') & 0x8).toBe(0x8);
    expect(reg(r.hart, 'a1')).toBe(1);
    expect(reg(r.hart, 'a2') & 0x8).toBe(0);
    expect(reg(r.hart, 'a3')).toBe(1000000);
    // The time CSR reads the same clock.
    expect(reg(r.hart, 'a4')).toBe(1000000);
  });

  it('MTIP follows mtime >= mtimecmp', () => {
    const r = runAsm(`
      li t0, 0x2004000
      li t1, 2
      sw zero, 4(t0)
      sw t1, 0(t0)
      csrr a0, mip
      li t1, 200
      loop: addi t1, t1, -1
      bnez t1, loop
      csrr a1, mip
      li t1, -1
      sw t1, 4(t0)
      nop
      csrr a2, mip
      ${PASS}`);
    expect(reg(r.hart, 'a0') & 0x80).toBe(0);
    expect(reg(r.hart, 'a1') & 0x80).toBe(0x80);
    expect(reg(r.hart, 'a2') & 0x80).toBe(0);
  });
});

describe('the built-in SBI firmware', () => {
  const sbi = (eid: number, fid: number, a0 = 0, a1 = 0) => `li a7, ${eid}\nli a6, ${fid}\nli a0, ${a0}\nli a1, ${a1}\necall`;

  function boot(source: string, input?: string) {
    const console = new BufferConsole(input ? new TextEncoder().encode(input) : undefined);
    const machine = new Machine({ image: elfFromAssembly(source), console, memSize: 16 << 20, firmware: { kind: 'builtin' } });
    return { machine, console, hart: machine.hart };
  }

  it('enters the ELF in S-mode with a0 = 0, a1 = the device tree; serves console, probe and shutdown calls', () => {
    const source = `
      mv s2, a0
      mv s3, a1
      li a7, 1
      li a0, 0x68
      ecall
      li a0, 0x69
      ecall
      ${sbi(0x10, 3, 0x54494d45)}
      mv s4, a1
      ${sbi(0x10, 3, 0x12345678)}
      mv s5, a1
      ${sbi(0x12345678, 0)}
      mv s6, a0
      ${sbi(0x53525354, 0, 0, 0)}
      li s7, 1`;
    const { machine, console, hart } = boot(source);
    expect(hart.priv).toBe(1);
    const outcome = machine.run(10_000);
    expect(outcome).toMatchObject({ kind: 'pass' });
    expect(console.text()).toBe('hi');
    expect(reg(hart, 's2')).toBe(0);
    expect(reg(hart, 's3')).toBe(machine.dtbAddress);
    expect(reg(hart, 's4')).toBe(1);
    expect(reg(hart, 's5')).toBe(0);
    expect(hart.x[22]).toBe(-2); // s6: SBI_ERR_NOT_SUPPORTED
    expect(reg(hart, 's7')).toBe(0);
    // The SBI calls count as ecalls from S (they trap) and do not retire.
    expect(hart.exceptionCounts[9]).toBe(6);
  });

  it('a system reset with reason "system failure" ends the run with failure', () => {
    const { machine } = boot(sbi(0x53525354, 0, 0, 1));
    const outcome = machine.run(1000);
    expect(outcome).toMatchObject({ kind: 'fail', code: 1 });
  });

  it('set_timer raises the S timer interrupt at the deadline; WFI waits for it', () => {
    const source = `
      la t0, handler
      csrw stvec, t0
      li t0, 0x20
      csrs sie, t0
      csrsi sstatus, 2
      csrr s1, time
      addi s2, s1, 500
      li a7, 0x54494d45
      li a6, 0
      mv a0, s2
      li a1, 0
      ecall
      wait: wfi
      j wait
      handler:
      csrr s3, scause
      csrr s4, time
      ${sbi(0x53525354, 0, 0, 0)}`;
    const { machine, hart } = boot(source);
    expect(machine.run(100_000)).toMatchObject({ kind: 'pass' });
    expect(reg(hart, 's3')).toBe(0x80000005);
    expect(reg(hart, 's4')).toBeGreaterThanOrEqual(reg(hart, 's2'));
    expect(reg(hart, 's4')).toBeLessThan(reg(hart, 's2') + 2);
    expect(hart.icount).toBeLessThan(100);
  });
});

describe('configuration errors are MachineErrors with one-line messages', () => {
  const good = elfFromAssembly(PASS);
  it.each([
    ['not an ELF', new TextEncoder().encode('#!/bin/sh\necho hi\n')],
    ['a 64-bit ELF', Uint8Array.from(good, (b, i) => (i === 4 ? 2 : b))],
    ['a truncated ELF', good.slice(0, 40)],
    ['an ELF for another machine', Uint8Array.from(good, (b, i) => (i === 18 ? 62 : b))],
    ['a segment outside RAM', elfFromAssembly(PASS, { base: 0x1000 })],
  ])('%s', (_name, image) => {
    let error: unknown;
    try {
      new Machine({ image, console: new BufferConsole() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MachineError);
    expect((error as Error).message).not.toContain('\n');
  });

  it.each([1000, 512 * 1024, 3 * 1024 * 1024 * 1024])('memory size %i is refused', (memSize) => {
    expect(() => new Machine({ image: good, console: new BufferConsole(), memSize })).toThrow(MachineError);
  });
});

describe('determinism', () => {
  it('two runs of one program, with timer interrupts and console output, are identical; blocks or not', () => {
    const source = `
      la t0, handler
      csrw mtvec, t0
      li t0, 0x80
      csrs mie, t0
      li s0, 0x2004000
      li t1, 7
      sw t1, 0(s0)
      sw zero, 4(s0)
      csrsi mstatus, 8
      li s1, 0
      li s2, 0
      loop: addi s2, s2, 1
      mul s3, s2, s2
      li t2, 40
      blt s1, t2, loop
      ${PASS}
      handler:
      addi s1, s1, 1
      csrr t3, minstret
      andi t3, t3, 15
      addi t3, t3, 0x61
      li t4, 0x10000000
      sb t3, 0(t4)
      lw t5, 0(s0)
      addi t5, t5, 7
      sw t5, 0(s0)
      mret`;
    const runs = [true, true, false].map((blocks) => runAsm(source, { blocks }));
    const summary = runs.map((r) => ({ out: r.console.text(), icount: r.hart.icount, s2: reg(r.hart, 's2'), outcome: r.outcome?.kind }));
    expect(summary[0]!.out).toHaveLength(40);
    expect(summary[1]).toEqual(summary[0]);
    expect(summary[2]).toEqual(summary[0]);
    expect(runs[0]!.hart.csr[CSR.mcause]! >>> 0).toBe(0x80000007);
  });
});
