import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from './assemble.js';
import { decode } from './decode.js';
import { disassemble } from './disassemble.js';
import { encode } from './encode.js';
import { FORMATS } from './formats.js';
import type { Instruction } from './instruction.js';
import { OPCODES, type OpcodeRow } from './opcodes.js';

/** Random valid operands for one table row, drawn from the ranges its format declares. */
function arbitraryInstruction(row: OpcodeRow): fc.Arbitrary<Instruction> {
  const fields: Record<string, fc.Arbitrary<number | boolean>> = {};
  for (const f of FORMATS[row.format]) {
    fields[f.key] = f.boolean
      ? fc.boolean()
      : fc.integer({ min: 0, max: (f.max - f.min) / f.step }).map((n) => f.min + n * f.step);
  }
  return fc.record(fields).map((ops) => ({ mnemonic: row.mnemonic, ...ops }) as Instruction);
}

const word = fc.integer({ min: 0, max: 0xffffffff });
const pc = fc.integer({ min: 0, max: 0x3fffffff }).map((n) => n * 4);
const rows = OPCODES.map((row) => [row.mnemonic, row] as const);

describe('every instruction form', () => {
  it.each(rows)('%s: encode -> decode gives the same Instruction', (_, row) => {
    fc.assert(
      fc.property(arbitraryInstruction(row), (insn) => {
        expect(decode(encode(insn))).toEqual(insn);
      }),
      { numRuns: 200 },
    );
  });

  it.each(rows)('%s: encode -> disassemble -> assemble gives the same word', (_, row) => {
    fc.assert(
      fc.property(arbitraryInstruction(row), pc, (insn, at) => {
        const w = encode(insn);
        // With a pc, targets are absolute addresses; without one, `.`-relative.
        expect([...assemble(disassemble(w, at), { base: at })]).toEqual([w]);
        expect([...assemble(disassemble(w))]).toEqual([w]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('any 32-bit word', () => {
  it('decodes to null or to an Instruction that encodes back to it', () => {
    fc.assert(
      fc.property(word, (w) => {
        const insn = decode(w);
        if (insn !== null) expect(encode(insn)).toBe(w);
      }),
      { numRuns: 20000 },
    );
  });

  it('disassembles to text that assembles back to it (.word for invalid ones)', () => {
    fc.assert(
      fc.property(word, pc, (w, at) => {
        const text = disassemble(w, at);
        if (decode(w) === null) expect(text).toMatch(/^\.word 0x[0-9a-f]{8}$/);
        expect([...assemble(text, { base: at })]).toEqual([w]);
      }),
      { numRuns: 5000 },
    );
  });
});
