import { describe, expect, it } from 'vitest';
import { decode } from './decode.js';
import { encode } from './encode.js';
import { operandBits } from './formats.js';
import type { Instruction } from './instruction.js';
import { MNEMONICS, OPCODES } from './opcodes.js';

describe('opcode table', () => {
  it('has unique mnemonics, including every H-extension instruction', () => {
    expect(new Set(MNEMONICS).size).toBe(MNEMONICS.length);
    for (const m of ['hlv.b', 'hlv.bu', 'hlv.h', 'hlv.hu', 'hlvx.hu', 'hlv.w', 'hlvx.wu', 'hsv.b', 'hsv.h', 'hsv.w', 'hfence.vvma', 'hfence.gvma']) {
      expect(MNEMONICS).toContain(m);
    }
  });

  it('fixes no bit that a row format uses for operands, and all rows are 32-bit encodings', () => {
    for (const row of OPCODES) {
      expect((row.match & operandBits(row.format)) >>> 0, row.mnemonic).toBe(0);
      expect(row.match & 0b11, row.mnemonic).toBe(0b11);
    }
  });

  it('has no two rows that can match the same word', () => {
    for (const a of OPCODES) {
      for (const b of OPCODES) {
        if (a === b) continue;
        const common = a.mask & b.mask;
        expect(((a.match ^ b.match) & common) >>> 0, `${a.mnemonic} vs ${b.mnemonic}`).not.toBe(0);
      }
    }
  });
});

describe('known encodings (computed by hand from the spec)', () => {
  const cases: Array<[number, Instruction]> = [
    [0x00150513, { mnemonic: 'addi', rd: 10, rs1: 10, imm: 1 }],
    [0x00812283, { mnemonic: 'lw', rd: 5, rs1: 2, imm: 8 }],
    [0x00a12623, { mnemonic: 'sw', rs2: 10, rs1: 2, imm: 12 }],
    [0x00b50863, { mnemonic: 'beq', rs1: 10, rs2: 11, imm: 16 }],
    [0xfeb50ee3, { mnemonic: 'beq', rs1: 10, rs2: 11, imm: -4 }],
    [0x001000ef, { mnemonic: 'jal', rd: 1, imm: 2048 }],
    [0x12345537, { mnemonic: 'lui', rd: 10, imm: 0x12345 }],
    [0x40355513, { mnemonic: 'srai', rd: 10, rs1: 10, imm: 3 }],
    [0x02c58533, { mnemonic: 'mul', rd: 10, rs1: 11, rs2: 12 }],
    [0x30029073, { mnemonic: 'csrrw', rd: 0, csr: 0x300, rs1: 5 }],
    [0x3002d073, { mnemonic: 'csrrwi', rd: 0, csr: 0x300, imm: 5 }],
    [0x140522af, { mnemonic: 'lr.w', rd: 5, rs1: 10, aq: true, rl: false }],
    [0x0eb6252f, { mnemonic: 'amoswap.w', rd: 10, rs2: 11, rs1: 12, aq: true, rl: true }],
    [0x0ff0000f, { mnemonic: 'fence', pred: 15, succ: 15 }],
    [0x8330000f, { mnemonic: 'fence.tso' }],
    [0x0000100f, { mnemonic: 'fence.i' }],
    [0x00000073, { mnemonic: 'ecall' }],
    [0x00100073, { mnemonic: 'ebreak' }],
    [0x10200073, { mnemonic: 'sret' }],
    [0x30200073, { mnemonic: 'mret' }],
    [0x10500073, { mnemonic: 'wfi' }],
    [0x12000073, { mnemonic: 'sfence.vma', rs1: 0, rs2: 0 }],
    [0x12b50073, { mnemonic: 'sfence.vma', rs1: 10, rs2: 11 }],
    [0x62000073, { mnemonic: 'hfence.gvma', rs1: 0, rs2: 0 }],
    [0x22000073, { mnemonic: 'hfence.vvma', rs1: 0, rs2: 0 }],
    [0x6805c573, { mnemonic: 'hlv.w', rd: 10, rs1: 11 }],
    [0x6835c573, { mnemonic: 'hlvx.wu', rd: 10, rs1: 11 }],
    [0x6aa5c073, { mnemonic: 'hsv.w', rs2: 10, rs1: 11 }],
  ];
  it.each(cases.map(([word, insn]) => [insn.mnemonic, word, insn] as const))('%s = %i', (_, word, insn) => {
    expect(encode(insn)).toBe(word);
    expect(decode(word)).toEqual(insn);
  });
});

describe('decode rejects what is not a valid encoding', () => {
  const invalid: Array<[string, number]> = [
    ['all zeros (defined illegal)', 0x00000000],
    ['all ones', 0xffffffff],
    ['a compressed-length word', 0x00000001],
    ['lr.w with rs2 != 0', 0x140522af | (1 << 20)],
    ['ecall with rd != 0', 0x000000f3],
    ['ecall with rs1 != 0', 0x00008073],
    ['mret with rs1 != 0', 0x30208073],
    ['wfi with rd != 0', 0x105000f3],
    ['sfence.vma with rd != 0', 0x120000f3],
    ['add with a stray funct7 bit', 0x80000033],
    ['slli with shamt[5] set (RV64 only)', 0x02051513],
    ['srai with funct7 0100001', 0x42355513],
    ['branch funct3 010', 0x00002063],
    ['ld (RV64 only)', 0x00003003],
    ['amoadd.d (RV64 only)', 0x00b6352f],
    ['csr funct3 100', 0x00004073],
    ['fence with rd != 0', 0x0ff0008f],
    ['fence with a reserved fm', 0x1ff0000f],
    ['fence.i with rs1 != 0', 0x0005100f],
    ['hlv with rs2 = 2', 0x6825c573],
    ['hsv.w with rd != 0', 0x6aa5c0f3],
  ];
  it.each(invalid)('%s', (_, word) => {
    expect(decode(word)).toBeNull();
  });
});

describe('encode checks its input', () => {
  it.each([
    [{ mnemonic: 'addi', rd: 1, rs1: 1, imm: 2048 }, /addi: imm 2048 out of range \(-2048\.\.2047\)/],
    [{ mnemonic: 'addi', rd: 1, rs1: 1, imm: -2049 }, /out of range/],
    [{ mnemonic: 'beq', rs1: 1, rs2: 2, imm: 3 }, /beq: imm 3 out of range \(-4096\.\.4094, a multiple of 2\)/],
    [{ mnemonic: 'jal', rd: 1, imm: 1 << 20 }, /jal: imm 1048576 out of range/],
    [{ mnemonic: 'lui', rd: 1, imm: -1 }, /lui: imm -1 out of range \(0\.\.1048575\)/],
    [{ mnemonic: 'slli', rd: 1, rs1: 1, imm: 32 }, /slli: imm 32/],
    [{ mnemonic: 'add', rd: 32, rs1: 1, rs2: 1 }, /add: rd 32 out of range/],
    [{ mnemonic: 'csrrw', rd: 0, rs1: 0, csr: 0x1000 }, /csrrw: csr 4096/],
    [{ mnemonic: 'addi', rd: 1, rs1: 1, imm: 1.5 }, /addi: imm must be an integer/],
    [{ mnemonic: 'add', rd: 1, rs1: 1 }, /add: missing rs2/],
    [{ mnemonic: 'add', rd: 1, rs1: 1, rs2: 2, imm: 0 }, /add: has no imm operand/],
    [{ mnemonic: 'addx', rd: 1 }, /unknown mnemonic 'addx'/],
  ])('%o', (insn, message) => {
    expect(() => encode(insn as unknown as Instruction)).toThrow(message);
  });

  it('takes missing aq/rl as false', () => {
    expect(encode({ mnemonic: 'lr.w', rd: 5, rs1: 10 })).toBe(0x100522af);
  });
});
