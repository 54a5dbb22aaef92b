export type { Instruction, InstructionField, Mnemonic } from './instruction.js';
export { OPCODES, MNEMONICS, opcodeRow, type OpcodeRow, type Extension } from './opcodes.js';
export { FORMATS, type FormatName, type FieldCodec } from './formats.js';
export { decode } from './decode.js';
export { encode } from './encode.js';
export { disassemble, formatInstruction } from './disassemble.js';
export { assemble, type AssembleOptions } from './assemble.js';
export { csrName, csrNumber, csrEntries } from './csr-names.js';
export { registerName, registerNumber, ABI_NAMES } from './registers.js';
