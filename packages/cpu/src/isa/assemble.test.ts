import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from './assemble.js';
import { decode } from './decode.js';
import { disassemble } from './disassemble.js';

const BASE = 0x80000000;

/** Assembles and disassembles back, so expectations read as canonical assembly. */
function lines(source: string, base = BASE): string[] {
  return [...assemble(source, { base })].map((w, k) => disassemble(w, base + 4 * k));
}

/** What lui/addi/auipc sequences leave in their destination register (a tiny model). */
function runValue(words: Uint32Array, pc = BASE): number {
  let value = 0;
  words.forEach((w, k) => {
    const insn = decode(w)!;
    if (insn.mnemonic === 'lui') value = (insn.imm! << 12) | 0;
    else if (insn.mnemonic === 'auipc') value = (pc + 4 * k + (insn.imm! << 12)) | 0;
    else if (insn.mnemonic === 'addi') value = ((insn.rs1 === 0 ? 0 : value) + insn.imm!) | 0;
    else throw new Error(`unexpected ${insn.mnemonic}`);
  });
  return value;
}

describe('assemble: instructions and syntax', () => {
  it('encodes canonical instructions to the spec words', () => {
    expect([...assemble('addi a0, a0, 1\necall\nmret\nlr.w.aq t0,(a0)\nsfence.vma')]).toEqual([
      0x00150513, 0x00000073, 0x30200073, 0x140522af, 0x12000073,
    ]);
  });

  it('accepts xN names, fp, CSR numbers, comments, and blank lines', () => {
    const source = `
      # a comment line
      add x10, x11, fp      # trailing comment
      csrrs a0, 0x300, zero // another comment style
      csrrs a0, 768, zero
      ADDI A0, A0, -0x10
    `;
    expect(lines(source)).toEqual([
      'add a0, a1, s0',
      'csrrs a0, mstatus, zero',
      'csrrs a0, mstatus, zero',
      'addi a0, a0, -16',
    ]);
  });

  it('reads the ordering suffixes of lr/sc/amo', () => {
    expect(lines('amoor.w.rl a0, a1, (a2)\nsc.w.aqrl t0, t1, 0(a0)\namomaxu.w a0, a1, (a2)')).toEqual([
      'amoor.w.rl a0, a1, (a2)',
      'sc.w.aqrl t0, t1, (a0)',
      'amomaxu.w a0, a1, (a2)',
    ]);
  });

  it('reads fence sets, the bare fence, and the short sfence/hfence forms', () => {
    expect(lines('fence\nfence rw, w\nfence.i\nsfence.vma a0\nhfence.vvma\nhfence.gvma a1, a2')).toEqual([
      'fence iorw, iorw',
      'fence rw, w',
      'fence.i',
      'sfence.vma a0, zero',
      'hfence.vvma zero, zero',
      'hfence.gvma a1, a2',
    ]);
  });

  it('reads the H-extension loads and stores', () => {
    expect(lines('hlv.hu a0, (a1)\nhlvx.wu t0, (sp)\nhsv.b a2, (a3)')).toEqual([
      'hlv.hu a0, (a1)',
      'hlvx.wu t0, (sp)',
      'hsv.b a2, (a3)',
    ]);
  });

  it('reads every jal/jalr form', () => {
    expect(lines('x: jal x\njal t0, x\njalr a0\njalr t0, a0\njalr t0, 4(a0)\njalr t0, a0, -4')).toEqual([
      'jal ra, 0x80000000',
      'jal t0, 0x80000000',
      'jalr ra, 0(a0)',
      'jalr t0, 0(a0)',
      'jalr t0, 4(a0)',
      'jalr t0, -4(a0)',
    ]);
  });
});

describe('assemble: labels and expressions', () => {
  it('resolves labels forward and backward', () => {
    const source = `
start:
      beq a0, a1, end    # forward: +8
      j start            # backward: -4
end:  nop
    `;
    expect([...assemble(source)]).toEqual([0x00b50463, 0xffdff06f, 0x00000013]);
    expect(lines(source)).toEqual(['beq a0, a1, 0x80000008', 'jal zero, 0x80000000', 'addi zero, zero, 0']);
  });

  it('takes several labels on one line and labels that share an address', () => {
    expect(lines('a: b: j c\nc:\nd: j a')).toEqual(['jal zero, 0x80000004', 'jal zero, 0x80000000']);
  });

  it('treats numeric branch targets as addresses and `.` as the current one', () => {
    expect(lines('nop\nbne a0, zero, 0x80000000\nj .\nj .+8\nnop', BASE)).toEqual([
      'addi zero, zero, 0',
      'bne a0, zero, 0x80000000',
      'jal zero, 0x80000008',
      'jal zero, 0x80000014',
      'addi zero, zero, 0',
    ]);
  });

  it('supports %hi/%lo of labels with the carry', () => {
    const source = `
      lui a0, %hi(data)
      addi a0, a0, %lo(data)
      lw a1, %lo(data)(a0)
      .align 11
      .word 0, 0
data: .word 0x12345678, -1, data
    `;
    const words = assemble(source, { base: 0x80000000 });
    const data = 0x80000808; // past 2048: %lo is negative and %hi carries
    expect(disassemble(words[0]!)).toBe('lui a0, 0x80001');
    expect(disassemble(words[1]!)).toBe('addi a0, a0, -2040');
    expect(disassemble(words[2]!)).toBe('lw a1, -2040(a0)');
    expect([...words.slice(-3)]).toEqual([0x12345678, 0xffffffff, data]);
  });

  it('pads .align with nops up to 2^N bytes', () => {
    expect([...assemble('addi a0, a0, 1\n.align 4\n.word 7', { base: 0x1000 })]).toEqual([
      0x00150513, 0x13, 0x13, 0x13, 7,
    ]);
    expect([...assemble('.align 4\n.word 7', { base: 0x1000 })]).toEqual([7]);
    expect([...assemble('.text\n.globl _start\n_start: .align 2\n.word 7')]).toEqual([7]);
  });
});

describe('assemble: pseudo-instructions', () => {
  it.each([
    ['nop', ['addi zero, zero, 0']],
    ['mv a0, a1', ['addi a0, a1, 0']],
    ['not a0, a1', ['xori a0, a1, -1']],
    ['neg a0, a1', ['sub a0, zero, a1']],
    ['seqz a0, a1', ['sltiu a0, a1, 1']],
    ['snez a0, a1', ['sltu a0, zero, a1']],
    ['sltz a0, a1', ['slt a0, a1, zero']],
    ['sgtz a0, a1', ['slt a0, zero, a1']],
    ['j .+8', ['jal zero, 0x80000008']],
    ['jal .+8', ['jal ra, 0x80000008']],
    ['jr t0', ['jalr zero, 0(t0)']],
    ['jalr t0', ['jalr ra, 0(t0)']],
    ['ret', ['jalr zero, 0(ra)']],
    ['call 0x80000800', ['auipc ra, 0x1', 'jalr ra, -2048(ra)']],
    ['call t0, 0x90000000', ['auipc t0, 0x10000', 'jalr t0, 0(t0)']],
    ['tail 0x7ffff000', ['auipc t1, 0xfffff', 'jalr zero, 0(t1)']],
    ['beqz a0, .+8', ['beq a0, zero, 0x80000008']],
    ['bnez a0, .+8', ['bne a0, zero, 0x80000008']],
    ['blez a0, .+8', ['bge zero, a0, 0x80000008']],
    ['bgez a0, .+8', ['bge a0, zero, 0x80000008']],
    ['bltz a0, .+8', ['blt a0, zero, 0x80000008']],
    ['bgtz a0, .+8', ['blt zero, a0, 0x80000008']],
    ['bgt a0, a1, .+8', ['blt a1, a0, 0x80000008']],
    ['ble a0, a1, .+8', ['bge a1, a0, 0x80000008']],
    ['bgtu a0, a1, .+8', ['bltu a1, a0, 0x80000008']],
    ['bleu a0, a1, .+8', ['bgeu a1, a0, 0x80000008']],
    ['csrr a0, mhartid', ['csrrs a0, mhartid, zero']],
    ['csrw mtvec, t0', ['csrrw zero, mtvec, t0']],
    ['csrs mie, t0', ['csrrs zero, mie, t0']],
    ['csrc mip, t0', ['csrrc zero, mip, t0']],
    ['csrwi vsatp, 0', ['csrrwi zero, vsatp, 0']],
    ['csrsi mstatus, 8', ['csrrsi zero, mstatus, 8']],
    ['csrci sstatus, 2', ['csrrci zero, sstatus, 2']],
    ['la a0, .+0x1000', ['auipc a0, 0x1', 'addi a0, a0, 0']],
    ['la a0, .-4', ['auipc a0, 0x0', 'addi a0, a0, -4']],
  ])('%s', (source, expected) => {
    expect(lines(source)).toEqual(expected);
  });

  it.each([
    [0, ['addi a0, zero, 0']],
    [0x7ff, ['addi a0, zero, 2047']],
    [0x800, ['lui a0, 0x1', 'addi a0, a0, -2048']],
    [0xfffff800, ['addi a0, zero, -2048']],
    [0x80000000, ['lui a0, 0x80000']],
    [-1, ['addi a0, zero, -1']],
    [0xffffffff, ['addi a0, zero, -1']],
    [0x7ffff800, ['lui a0, 0x80000', 'addi a0, a0, -2048']],
    [0x12345678, ['lui a0, 0x12345', 'addi a0, a0, 1656']],
    [0x12345000, ['lui a0, 0x12345']],
    [-2049, ['lui a0, 0xfffff', 'addi a0, a0, 2047']],
  ])('li a0, %i', (value, expected) => {
    expect(lines(`li a0, ${value}`)).toEqual(expected);
  });

  it('li loads any 32-bit value in one or two instructions', () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0xffffffff }), (value) => {
        const words = assemble(`li a0, ${value}`);
        expect(words.length).toBeLessThanOrEqual(2);
        expect(runValue(words)).toBe(value | 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('li of a label is always lui + addi, and la reaches any address', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x3fffffff }).map((n) => n * 4), (target) => {
        const li = assemble(`li a0, x\n.align 2\nx: .word 0`, { base: target });
        expect(li.length).toBe(3);
        expect(runValue(li.slice(0, 2), target) >>> 0).toBe((target + 8) >>> 0);
        const la = assemble(`la a0, ${target}`);
        expect(runValue(la) >>> 0).toBe(target);
      }),
      { numRuns: 500 },
    );
  });
});

describe('assemble: errors name the line', () => {
  it.each([
    ['nop\nnop\nad a0, a0, a1', /^line 3: unknown instruction 'ad'$/],
    ['nop\naddi a0, a0, 5000', /^line 2: addi: imm 5000 out of range \(-2048\.\.2047\)$/],
    ['addi a0, a0', /^line 1: addi expects 3 operands, got 2$/],
    ['ret a0', /^line 1: ret expects 0 operands, got 1$/],
    ['add a0, a1, x32', /^line 1: unknown register 'x32'$/],
    ['j nowhere', /^line 1: undefined label 'nowhere'$/],
    ['x: nop\nx: nop', /^line 2: duplicate label 'x'$/],
    ['beq a0, a1, .+4096', /^line 1: beq: imm 4096 out of range/],
    ['beq a0, a1, .+3', /^line 1: beq: imm 3 out of range/],
    ['lw a0, 8', /^line 1: expected offset\(register\), got '8'$/],
    ['amoadd.w a0, a1, 4(a2)', /^line 1: expected \(register\) with no offset/],
    ['csrr a0, nosuchcsr', /^line 1: unknown CSR 'nosuchcsr'$/],
    ['fence rw, x', /^line 1: bad fence set 'x'/],
    ['fence wr, r', /^line 1: bad fence set 'wr'/],
    ['li a0, 0x100000000', /^line 1: li: value 4294967296 does not fit in 32 bits$/],
    ['.word 1, 2, 0x1ffffffff', /^line 1: \.word value 8589934591 does not fit in 32 bits$/],
    ['.align x', /^line 1: \.align expects a constant/],
    ['.byte 1', /^line 1: unknown directive '\.byte'$/],
    ['addi a0, a0, 1f', /^line 1: bad expression/],
    ['addi a0, a0, (1', /^line 1: bad expression/],
    ['add a0, , a1', /^line 1: empty operand$/],
    ['lui a0, -1', /^line 1: lui: imm -1 out of range/],
    ['mret.aq', /^line 1: unknown instruction 'mret\.aq'$/],
  ])('%j', (source, message) => {
    expect(() => assemble(source)).toThrow(message);
  });

  it('rejects a misaligned base', () => {
    expect(() => assemble('nop', { base: 2 })).toThrow(/base 2 is not a 4-byte aligned/);
  });
});
