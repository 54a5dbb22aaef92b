import { hi20, lo12 } from './asm-expression.js';
import { expectOperands, type OperandContext } from './asm-operands.js';
import type { Instruction } from './instruction.js';

const ZERO = 0;
const RA = 1;
const T1 = 6; // `tail` scratch register, as in the psABI

/**
 * A pseudo-instruction: accepted operand counts, how many words it becomes (known
 * in the first pass, before labels have values), and its expansion.
 */
export interface Pseudo {
  readonly operands: readonly number[];
  words(ops: readonly string[], c: OperandContext): number;
  expand(ops: readonly string[], c: OperandContext): Instruction[];
}

type Expand = (ops: readonly string[], c: OperandContext) => Instruction[];

function pseudo(operands: number | number[], expand: Expand, words: number | Pseudo['words'] = 1): Pseudo {
  return {
    operands: typeof operands === 'number' ? [operands] : operands,
    words: typeof words === 'number' ? () => words : words,
    expand,
  };
}

/** li: one addi for 12-bit values, else lui (+ addi), the addi's sign carried into lui. */
export function loadImmediate(rd: number, value: number, alwaysTwo = false): Instruction[] {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw new Error(`li: value ${value} does not fit in 32 bits`);
  }
  const v = value | 0;
  if (!alwaysTwo && v >= -2048 && v <= 2047) return [{ mnemonic: 'addi', rd, rs1: ZERO, imm: v }];
  const lui: Instruction = { mnemonic: 'lui', rd, imm: hi20(v) };
  if (!alwaysTwo && lo12(v) === 0) return [lui];
  return [lui, { mnemonic: 'addi', rd, rs1: rd, imm: lo12(v) }];
}

/** auipc + a second instruction taking %pcrel_lo, for a target at any distance. */
function pcRelative(c: OperandContext, target: string, rd: number, second: (lo: number) => Instruction): Instruction[] {
  const offset = c.target(target);
  return [{ mnemonic: 'auipc', rd, imm: hi20(offset) }, second(lo12(offset))];
}

const branchZero = (mnemonic: Instruction['mnemonic'], zeroFirst: boolean) =>
  pseudo(2, ([rs, target], c) => {
    const r = c.reg(rs);
    const [rs1, rs2] = zeroFirst ? [ZERO, r] : [r, ZERO];
    return [{ mnemonic, rs1, rs2, imm: c.target(target) }];
  });

// bgt a, b, t is blt b, a, t: the same branch with its registers swapped.
const branchSwapped = (mnemonic: Instruction['mnemonic']) =>
  pseudo(3, ([a, b, target], c) => [{ mnemonic, rs1: c.reg(b), rs2: c.reg(a), imm: c.target(target) }]);

const csrWrite = (mnemonic: Instruction['mnemonic']) =>
  pseudo(2, ([csr, rs], c) => [{ mnemonic, rd: ZERO, csr: c.csr(csr), rs1: c.reg(rs) }]);

const csrWriteImmediate = (mnemonic: Instruction['mnemonic']) =>
  pseudo(2, ([csr, imm], c) => [{ mnemonic, rd: ZERO, csr: c.csr(csr), imm: c.value(imm) }]);

/** The pseudo-instructions of the unprivileged spec's tables, by name. */
export const PSEUDOS: ReadonlyMap<string, Pseudo> = new Map<string, Pseudo>([
  ['nop', pseudo(0, () => [{ mnemonic: 'addi', rd: ZERO, rs1: ZERO, imm: 0 }])],
  [
    'li',
    pseudo(
      2,
      ([rd, value], c) => {
        const constant = c.constant(value);
        return constant === undefined
          ? loadImmediate(c.reg(rd), c.value(value), true)
          : loadImmediate(c.reg(rd), constant);
      },
      // A label's value is unknown in the first pass: always lui + addi then.
      ([rd, value], c) => {
        const constant = c.constant(value);
        return constant === undefined ? 2 : loadImmediate(c.reg(rd), constant).length;
      },
    ),
  ],
  ['la', pseudo(2, ([rd, target], c) => pcRelative(c, target, c.reg(rd), (lo) => ({ mnemonic: 'addi', rd: c.reg(rd), rs1: c.reg(rd), imm: lo })), 2)],
  ['mv', pseudo(2, ([rd, rs], c) => [{ mnemonic: 'addi', rd: c.reg(rd), rs1: c.reg(rs), imm: 0 }])],
  ['not', pseudo(2, ([rd, rs], c) => [{ mnemonic: 'xori', rd: c.reg(rd), rs1: c.reg(rs), imm: -1 }])],
  ['neg', pseudo(2, ([rd, rs], c) => [{ mnemonic: 'sub', rd: c.reg(rd), rs1: ZERO, rs2: c.reg(rs) }])],
  ['seqz', pseudo(2, ([rd, rs], c) => [{ mnemonic: 'sltiu', rd: c.reg(rd), rs1: c.reg(rs), imm: 1 }])],
  ['snez', pseudo(2, ([rd, rs], c) => [{ mnemonic: 'sltu', rd: c.reg(rd), rs1: ZERO, rs2: c.reg(rs) }])],
  ['sltz', pseudo(2, ([rd, rs], c) => [{ mnemonic: 'slt', rd: c.reg(rd), rs1: c.reg(rs), rs2: ZERO }])],
  ['sgtz', pseudo(2, ([rd, rs], c) => [{ mnemonic: 'slt', rd: c.reg(rd), rs1: ZERO, rs2: c.reg(rs) }])],
  ['j', pseudo(1, ([target], c) => [{ mnemonic: 'jal', rd: ZERO, imm: c.target(target) }])],
  ['jr', pseudo(1, ([rs], c) => [{ mnemonic: 'jalr', rd: ZERO, rs1: c.reg(rs), imm: 0 }])],
  ['ret', pseudo(0, () => [{ mnemonic: 'jalr', rd: ZERO, rs1: RA, imm: 0 }])],
  [
    'call',
    pseudo(
      [1, 2],
      (ops, c) => {
        const rd = ops.length === 2 ? c.reg(ops[0]) : RA;
        return pcRelative(c, ops[ops.length - 1], rd, (lo) => ({ mnemonic: 'jalr', rd, rs1: rd, imm: lo }));
      },
      2,
    ),
  ],
  ['tail', pseudo(1, ([target], c) => pcRelative(c, target, T1, (lo) => ({ mnemonic: 'jalr', rd: ZERO, rs1: T1, imm: lo })), 2)],
  ['beqz', branchZero('beq', false)],
  ['bnez', branchZero('bne', false)],
  ['blez', branchZero('bge', true)],
  ['bgez', branchZero('bge', false)],
  ['bltz', branchZero('blt', false)],
  ['bgtz', branchZero('blt', true)],
  ['bgt', branchSwapped('blt')],
  ['ble', branchSwapped('bge')],
  ['bgtu', branchSwapped('bltu')],
  ['bleu', branchSwapped('bgeu')],
  ['csrr', pseudo(2, ([rd, csr], c) => [{ mnemonic: 'csrrs', rd: c.reg(rd), csr: c.csr(csr), rs1: ZERO }])],
  ['csrw', csrWrite('csrrw')],
  ['csrs', csrWrite('csrrs')],
  ['csrc', csrWrite('csrrc')],
  ['csrwi', csrWriteImmediate('csrrwi')],
  ['csrsi', csrWriteImmediate('csrrsi')],
  ['csrci', csrWriteImmediate('csrrci')],
]);

/** Checks the operand count of a pseudo-instruction. */
export function checkPseudoOperands(name: string, p: Pseudo, ops: readonly string[]): void {
  expectOperands(name, ops, ...p.operands);
}
