import { operandBits, type FormatName } from './formats.js';

export type Extension = 'I' | 'M' | 'A' | 'Zicsr' | 'Zifencei' | 'Priv' | 'H';

/**
 * One row of the opcode table: a mnemonic, its format, and the value of every bit
 * the format does not use for operands (`match` under `mask`). A word is this
 * instruction exactly when `(word & mask) === match`.
 */
export interface OpcodeRow<M extends string = string> {
  readonly mnemonic: M;
  readonly extension: Extension;
  readonly format: FormatName;
  readonly match: number;
  readonly mask: number;
}

// Major opcodes (bits 6:0), unprivileged spec table "RISC-V base opcode map".
const LOAD = 0b0000011;
const MISC_MEM = 0b0001111;
const OP_IMM = 0b0010011;
const AUIPC = 0b0010111;
const STORE = 0b0100011;
const AMO = 0b0101111;
const OP = 0b0110011;
const LUI = 0b0110111;
const BRANCH = 0b1100011;
const JALR = 0b1100111;
const JAL = 0b1101111;
const SYSTEM = 0b1110011;

/**
 * Columns follow the spec's instruction listings, right to left: opcode, funct3, then
 * the fixed values of the rs2 field (bits 24:20) and of bits 31:25 where the format
 * does not use them. Every other non-operand bit (rd, rs1, fm) must be zero.
 */
function rowsOf(extension: Extension) {
  return <M extends string>(
    mnemonic: M,
    format: FormatName,
    opcode: number,
    funct3 = 0,
    rs2 = 0,
    funct7 = 0,
  ): OpcodeRow<M> => ({
    mnemonic,
    extension,
    format,
    match: (opcode | (funct3 << 12) | (rs2 << 20) | (funct7 << 25)) >>> 0,
    mask: ~operandBits(format) >>> 0,
  });
}

const i = rowsOf('I');
const RV32I = [
  i('lui', 'U', LUI),
  i('auipc', 'U', AUIPC),
  i('jal', 'J', JAL),
  i('jalr', 'Jalr', JALR, 0b000),
  i('beq', 'B', BRANCH, 0b000),
  i('bne', 'B', BRANCH, 0b001),
  i('blt', 'B', BRANCH, 0b100),
  i('bge', 'B', BRANCH, 0b101),
  i('bltu', 'B', BRANCH, 0b110),
  i('bgeu', 'B', BRANCH, 0b111),
  i('lb', 'Load', LOAD, 0b000),
  i('lh', 'Load', LOAD, 0b001),
  i('lw', 'Load', LOAD, 0b010),
  i('lbu', 'Load', LOAD, 0b100),
  i('lhu', 'Load', LOAD, 0b101),
  i('sb', 'S', STORE, 0b000),
  i('sh', 'S', STORE, 0b001),
  i('sw', 'S', STORE, 0b010),
  i('addi', 'I', OP_IMM, 0b000),
  i('slti', 'I', OP_IMM, 0b010),
  i('sltiu', 'I', OP_IMM, 0b011),
  i('xori', 'I', OP_IMM, 0b100),
  i('ori', 'I', OP_IMM, 0b110),
  i('andi', 'I', OP_IMM, 0b111),
  //                                 funct3  rs2 funct7
  i('slli', 'Shift', OP_IMM, 0b001, 0, 0b0000000),
  i('srli', 'Shift', OP_IMM, 0b101, 0, 0b0000000),
  i('srai', 'Shift', OP_IMM, 0b101, 0, 0b0100000),
  i('add', 'R', OP, 0b000, 0, 0b0000000),
  i('sub', 'R', OP, 0b000, 0, 0b0100000),
  i('sll', 'R', OP, 0b001, 0, 0b0000000),
  i('slt', 'R', OP, 0b010, 0, 0b0000000),
  i('sltu', 'R', OP, 0b011, 0, 0b0000000),
  i('xor', 'R', OP, 0b100, 0, 0b0000000),
  i('srl', 'R', OP, 0b101, 0, 0b0000000),
  i('sra', 'R', OP, 0b101, 0, 0b0100000),
  i('or', 'R', OP, 0b110, 0, 0b0000000),
  i('and', 'R', OP, 0b111, 0, 0b0000000),
  // fence: fm=0000, rd=rs1=0 (reserved fields are required to be zero here);
  // fence.tso is the one fm=1000 encoding: fm|pred|succ = 1000|0011|0011.
  i('fence', 'Fence', MISC_MEM, 0b000),
  i('fence.tso', 'None', MISC_MEM, 0b000, 0b10011, 0b1000001),
  // ecall/ebreak: imm[11:0] = 0 / 1, everything else zero.
  i('ecall', 'None', SYSTEM, 0b000, 0b00000, 0b0000000),
  i('ebreak', 'None', SYSTEM, 0b000, 0b00001, 0b0000000),
];

const m = rowsOf('M');
const RV32M = [
  m('mul', 'R', OP, 0b000, 0, 0b0000001),
  m('mulh', 'R', OP, 0b001, 0, 0b0000001),
  m('mulhsu', 'R', OP, 0b010, 0, 0b0000001),
  m('mulhu', 'R', OP, 0b011, 0, 0b0000001),
  m('div', 'R', OP, 0b100, 0, 0b0000001),
  m('divu', 'R', OP, 0b101, 0, 0b0000001),
  m('rem', 'R', OP, 0b110, 0, 0b0000001),
  m('remu', 'R', OP, 0b111, 0, 0b0000001),
];

// A: funct5 sits in bits 31:27, above aq (26) and rl (25), hence `funct5 << 2`.
const a = rowsOf('A');
const amo = <M extends string>(mnemonic: M, funct5: number, format: FormatName = 'Amo') =>
  a(mnemonic, format, AMO, 0b010, 0, funct5 << 2);
const RV32A = [
  amo('lr.w', 0b00010, 'Lr'), // rs2 must be 0
  amo('sc.w', 0b00011),
  amo('amoswap.w', 0b00001),
  amo('amoadd.w', 0b00000),
  amo('amoxor.w', 0b00100),
  amo('amoand.w', 0b01100),
  amo('amoor.w', 0b01000),
  amo('amomin.w', 0b10000),
  amo('amomax.w', 0b10100),
  amo('amominu.w', 0b11000),
  amo('amomaxu.w', 0b11100),
];

const zicsr = rowsOf('Zicsr');
const ZICSR = [
  zicsr('csrrw', 'Csr', SYSTEM, 0b001),
  zicsr('csrrs', 'Csr', SYSTEM, 0b010),
  zicsr('csrrc', 'Csr', SYSTEM, 0b011),
  zicsr('csrrwi', 'CsrI', SYSTEM, 0b101),
  zicsr('csrrsi', 'CsrI', SYSTEM, 0b110),
  zicsr('csrrci', 'CsrI', SYSTEM, 0b111),
];

// fence.i: imm, rs1 and rd are reserved and required to be zero here.
const ZIFENCEI = [rowsOf('Zifencei')('fence.i', 'None', MISC_MEM, 0b001)];

// Privileged spec, "RISC-V Privileged Instruction Set Listings".
const p = rowsOf('Priv');
const PRIV = [
  //                              funct3  rs2      funct7
  p('sret', 'None', SYSTEM, 0b000, 0b00010, 0b0001000),
  p('mret', 'None', SYSTEM, 0b000, 0b00010, 0b0011000),
  p('wfi', 'None', SYSTEM, 0b000, 0b00101, 0b0001000),
  p('sfence.vma', 'Sfence', SYSTEM, 0b000, 0, 0b0001001),
];

const h = rowsOf('H');
const HYPERVISOR = [
  h('hfence.vvma', 'Sfence', SYSTEM, 0b000, 0, 0b0010001),
  h('hfence.gvma', 'Sfence', SYSTEM, 0b000, 0, 0b0110001),
  h('hlv.b', 'Hlv', SYSTEM, 0b100, 0b00000, 0b0110000),
  h('hlv.bu', 'Hlv', SYSTEM, 0b100, 0b00001, 0b0110000),
  h('hlv.h', 'Hlv', SYSTEM, 0b100, 0b00000, 0b0110010),
  h('hlv.hu', 'Hlv', SYSTEM, 0b100, 0b00001, 0b0110010),
  h('hlvx.hu', 'Hlv', SYSTEM, 0b100, 0b00011, 0b0110010),
  h('hlv.w', 'Hlv', SYSTEM, 0b100, 0b00000, 0b0110100),
  h('hlvx.wu', 'Hlv', SYSTEM, 0b100, 0b00011, 0b0110100),
  h('hsv.b', 'Hsv', SYSTEM, 0b100, 0, 0b0110001),
  h('hsv.h', 'Hsv', SYSTEM, 0b100, 0, 0b0110011),
  h('hsv.w', 'Hsv', SYSTEM, 0b100, 0, 0b0110101),
];

/** Every instruction this package knows, one row each. */
export const OPCODES = [...RV32I, ...RV32M, ...RV32A, ...ZICSR, ...ZIFENCEI, ...PRIV, ...HYPERVISOR];

export type Mnemonic = (typeof OPCODES)[number]['mnemonic'];

export const MNEMONICS: readonly Mnemonic[] = OPCODES.map((row) => row.mnemonic);

const byMnemonic = new Map<string, OpcodeRow<Mnemonic>>(OPCODES.map((row) => [row.mnemonic, row]));

/** The table row of a mnemonic, or undefined for a name that is not an instruction. */
export function opcodeRow(mnemonic: string): OpcodeRow<Mnemonic> | undefined {
  return byMnemonic.get(mnemonic);
}
