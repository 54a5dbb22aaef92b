import { describe, expect, it } from 'vitest';
import { disassemble, formatInstruction } from './disassemble.js';

describe('disassemble', () => {
  it.each(
    ([
    [0x00150513, undefined, 'addi a0, a0, 1'],
    [0x00812283, undefined, 'lw t0, 8(sp)'],
    [0x00a12623, undefined, 'sw a0, 12(sp)'],
    [0x00b50863, 0x80000000, 'beq a0, a1, 0x80000010'],
    [0x00b50863, undefined, 'beq a0, a1, .+16'],
    [0xfeb50ee3, 0x80000010, 'beq a0, a1, 0x8000000c'],
    [0xfeb50ee3, undefined, 'beq a0, a1, .-4'],
    [0x001000ef, 0x80000000, 'jal ra, 0x80000800'],
    [0xffdff06f, 0x00000000, 'jal zero, 0xfffffffc'],
    [0x12345537, undefined, 'lui a0, 0x12345'],
    [0x00000517, undefined, 'auipc a0, 0x0'],
    [0x00008067, undefined, 'jalr zero, 0(ra)'],
    [0x40355513, undefined, 'srai a0, a0, 3'],
    [0x30029073, undefined, 'csrrw zero, mstatus, t0'],
    [0x68002573, undefined, 'csrrs a0, hgatp, zero'],
    [0x7c002573, undefined, 'csrrs a0, 0x7c0, zero'],
    [0x3002d073, undefined, 'csrrwi zero, mstatus, 5'],
    [0x140522af, undefined, 'lr.w.aq t0, (a0)'],
    [0x1a05a52f, undefined, 'sc.w.rl a0, zero, (a1)'],
    [0x0eb6252f, undefined, 'amoswap.w.aqrl a0, a1, (a2)'],
    [0x00b6252f, undefined, 'amoadd.w a0, a1, (a2)'],
    [0x0ff0000f, undefined, 'fence iorw, iorw'],
    [0x0230000f, undefined, 'fence r, rw'],
    [0x0100000f, undefined, 'fence w, 0'],
    [0x8330000f, undefined, 'fence.tso'],
    [0x0000100f, undefined, 'fence.i'],
    [0x00000073, undefined, 'ecall'],
    [0x30200073, undefined, 'mret'],
    [0x12b50073, undefined, 'sfence.vma a0, a1'],
    [0x6805c573, undefined, 'hlv.w a0, (a1)'],
    [0x6aa5c073, undefined, 'hsv.w a0, (a1)'],
    [0x62000073, undefined, 'hfence.gvma zero, zero'],
    [0x0000000b, undefined, '.word 0x0000000b'],
    [0xffffffff, undefined, '.word 0xffffffff'],
  ] as const).map(([word, pc, text]) => [text, word, pc] as const),
  )('%s', (text, word, pc) => {
    expect(disassemble(word, pc)).toBe(text);
  });

  it('formats a structured Instruction the same way', () => {
    expect(formatInstruction({ mnemonic: 'lw', rd: 5, rs1: 2, imm: -4 })).toBe('lw t0, -4(sp)');
  });
});
