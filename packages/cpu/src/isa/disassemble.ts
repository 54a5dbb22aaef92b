import { csrName } from './csr-names.js';
import { decode } from './decode.js';
import { fenceSetText } from './fence-sets.js';
import type { FormatName } from './formats.js';
import type { Instruction } from './instruction.js';
import { opcodeRow } from './opcodes.js';
import { registerName } from './registers.js';

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** A branch/jal target: absolute when the pc is known, else relative to `.` (GNU syntax). */
function target(offset: number, pc: number | undefined): string {
  if (pc !== undefined) return hex(pc + offset);
  return offset < 0 ? `.${offset}` : `.+${offset}`;
}

function csrText(num: number): string {
  return csrName(num) ?? hex(num);
}

// The fields a format carries are known to be present once decode has produced them.
type Decoded = Required<Omit<Instruction, 'mnemonic'>>;
type Printer = (i: Decoded, pc: number | undefined) => string[];

const r = registerName;
const address = (i: Decoded) => `(${r(i.rs1)})`;
const memory = (i: Decoded) => `${i.imm}(${r(i.rs1)})`;

/** Operand text per format, in the order GNU objdump writes them. */
const PRINTERS: Record<FormatName, Printer> = {
  R: (i) => [r(i.rd), r(i.rs1), r(i.rs2)],
  I: (i) => [r(i.rd), r(i.rs1), String(i.imm)],
  Shift: (i) => [r(i.rd), r(i.rs1), String(i.imm)],
  Load: (i) => [r(i.rd), memory(i)],
  S: (i) => [r(i.rs2), memory(i)],
  B: (i, pc) => [r(i.rs1), r(i.rs2), target(i.imm, pc)],
  U: (i) => [r(i.rd), hex(i.imm)],
  J: (i, pc) => [r(i.rd), target(i.imm, pc)],
  Jalr: (i) => [r(i.rd), memory(i)],
  Csr: (i) => [r(i.rd), csrText(i.csr), r(i.rs1)],
  CsrI: (i) => [r(i.rd), csrText(i.csr), String(i.imm)],
  Amo: (i) => [r(i.rd), r(i.rs2), address(i)],
  Lr: (i) => [r(i.rd), address(i)],
  Fence: (i) => [fenceSetText(i.pred), fenceSetText(i.succ)],
  None: () => [],
  Sfence: (i) => [r(i.rs1), r(i.rs2)],
  Hlv: (i) => [r(i.rd), address(i)],
  Hsv: (i) => [r(i.rs2), address(i)],
};

function orderingSuffix(i: Instruction): string {
  if (i.aq && i.rl) return '.aqrl';
  if (i.aq) return '.aq';
  return i.rl ? '.rl' : '';
}

/**
 * Formats an Instruction as assembly text (canonical instructions, no pseudo-instruction
 * aliases, ABI register names). `pc` makes branch and jal targets absolute.
 */
export function formatInstruction(insn: Instruction, pc?: number): string {
  const row = opcodeRow(insn.mnemonic);
  if (row === undefined) throw new Error(`unknown mnemonic '${String(insn.mnemonic)}'`);
  const operands = PRINTERS[row.format](insn as Decoded, pc);
  const name = insn.mnemonic + orderingSuffix(insn);
  return operands.length === 0 ? name : `${name} ${operands.join(', ')}`;
}

/**
 * objdump-like text of one instruction word, e.g. `addi a0, a0, 1`, `lw t0, 8(sp)`,
 * `csrrw zero, mstatus, t0`; `.word 0x...` for words that are not valid instructions.
 * The output assembles back to the same word with `assemble(text, { base: pc })`.
 */
export function disassemble(word: number, pc?: number): string {
  const insn = decode(word);
  if (insn === null) return `.word 0x${(word >>> 0).toString(16).padStart(8, '0')}`;
  return formatInstruction(insn, pc);
}
