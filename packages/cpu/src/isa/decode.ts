import { FORMATS } from './formats.js';
import type { Instruction } from './instruction.js';
import { OPCODES, type Mnemonic, type OpcodeRow } from './opcodes.js';

// Rows bucketed by major opcode (bits 6:0) so a lookup scans a handful of rows.
const rowsByOpcode = new Map<number, OpcodeRow<Mnemonic>[]>();
for (const row of OPCODES) {
  const opcode = row.match & 0x7f;
  const bucket = rowsByOpcode.get(opcode) ?? [];
  bucket.push(row);
  rowsByOpcode.set(opcode, bucket);
}

/** The table row a 32-bit word is an instance of, or undefined. */
export function matchRow(word: number): OpcodeRow<Mnemonic> | undefined {
  const w = word >>> 0;
  const bucket = rowsByOpcode.get(w & 0x7f);
  if (bucket === undefined) return undefined;
  return bucket.find((row) => (w & row.mask) >>> 0 === row.match);
}

/**
 * Decodes one 32-bit instruction word into a structured Instruction, or null when the
 * word is not a valid encoding of RV32IMA/Zicsr/Zifencei/privileged/H instructions
 * (including words whose reserved fields are not zero). A tool, not the hot path.
 */
export function decode(word: number): Instruction | null {
  const w = word >>> 0;
  const row = matchRow(w);
  if (row === undefined) return null;
  const insn: Record<string, unknown> = { mnemonic: row.mnemonic };
  for (const f of FORMATS[row.format]) {
    const value = f.unpack(w);
    insn[f.key] = f.boolean ? value === 1 : value;
  }
  return insn as unknown as Instruction;
}
