import { FORMATS, type FieldCodec } from './formats.js';
import type { Instruction } from './instruction.js';
import { opcodeRow } from './opcodes.js';

function rangeText(f: FieldCodec): string {
  return f.step === 1 ? `${f.min}..${f.max}` : `${f.min}..${f.max}, a multiple of ${f.step}`;
}

function fieldValue(mnemonic: string, f: FieldCodec, value: unknown): number {
  if (f.boolean) {
    if (value === undefined) return 0; // aq/rl default to a plain (unordered) access
    if (typeof value !== 'boolean') throw new Error(`${mnemonic}: ${f.key} must be a boolean`);
    return value ? 1 : 0;
  }
  if (value === undefined) throw new Error(`${mnemonic}: missing ${f.key}`);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new Error(`${mnemonic}: ${f.key} must be an integer, got ${String(value)}`);
  }
  if (value < f.min || value > f.max || value % f.step !== 0) {
    throw new Error(`${mnemonic}: ${f.key} ${value} out of range (${rangeText(f)})`);
  }
  return value;
}

/**
 * Encodes an Instruction into its 32-bit word (as an unsigned number). Throws an
 * Error naming the mnemonic and field for an unknown mnemonic, a missing field, a
 * field the format does not have, or a value out of range.
 */
export function encode(insn: Instruction): number {
  const row = opcodeRow(insn.mnemonic);
  if (row === undefined) throw new Error(`unknown mnemonic '${String(insn.mnemonic)}'`);
  const fields = FORMATS[row.format];
  for (const [key, value] of Object.entries(insn)) {
    if (key === 'mnemonic' || value === undefined) continue;
    if (!fields.some((f) => f.key === key)) throw new Error(`${row.mnemonic}: has no ${key} operand`);
  }
  let word = row.match;
  for (const f of fields) {
    word |= f.pack(fieldValue(row.mnemonic, f, insn[f.key])) & f.bits;
  }
  return word >>> 0;
}
