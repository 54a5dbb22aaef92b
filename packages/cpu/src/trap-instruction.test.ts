// transformedInstruction against the H chapter's formats for htinst/mtinst: loads keep
// funct3, rd, opcode; stores keep rs2, funct3, opcode; atomics and HLV/HSV keep all but
// rs1; rs1 becomes the faulting address's offset from the original one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from './isa/index.js';
import { transformedInstruction } from './trap-instruction.js';

const word = (insn: string) => assemble(insn)[0]! | 0;

describe('transformedInstruction', () => {
  it.each([
    ['lw a0, -12(a1)', 'lw a0, 0(zero)'],
    ['lbu t3, 2047(sp)', 'lbu t3, 0(zero)'],
    ['sh a2, -2048(a1)', 'sh a2, 0(zero)'],
    ['amoswap.w.aq a0, a2, (a1)', 'amoswap.w.aq a0, a2, (zero)'],
    ['lr.w a0, (a1)', 'lr.w a0, (zero)'],
    ['hlv.hu a0, (a1)', 'hlv.hu a0, (zero)'],
    ['hsv.w a2, (a1)', 'hsv.w a2, (zero)'],
  ])('%s at its own address becomes %s', (insn, expected) => {
    const inst = word(insn);
    const imm = insn.startsWith('l') && !insn.startsWith('lr') ? inst >> 20 : insn.startsWith('s') ? ((inst >> 25) << 5) | ((inst >> 7) & 31) : 0;
    expect(transformedInstruction(inst, 0x1000, 0x1000 + imm) >>> 0).toBe(word(expected) >>> 0);
  });

  it('puts the offset of the faulting portion of a misaligned access in bits 19:15', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -2048, max: 2047 }), fc.integer(), (offset, imm, base) => {
        const inst = word(`lw a0, ${imm}(a1)`);
        const t = transformedInstruction(inst, base, (base + imm + offset) | 0);
        expect((t >> 15) & 31).toBe(offset);
        expect(t & ~(31 << 15)).toBe(word('lw a0, 0(zero)'));
      }),
    );
  });

  it('is 0 for instructions without a defined transformation', () => {
    for (const insn of ['ecall', 'csrr a0, sstatus', 'add a0, a1, a2', 'jalr ra, 8(a0)', 'wfi']) expect(transformedInstruction(word(insn), 0, 0)).toBe(0);
  });
});
