import type { InstructionField } from './instruction.js';

/**
 * One operand field of an instruction word: which bits it occupies and which values
 * it may hold (min..max in steps of `step`). `pack` takes an in-range value; `unpack`
 * reads the value back from a whole word. Booleans (aq, rl) are carried as 0/1.
 */
export interface FieldCodec {
  readonly key: InstructionField;
  readonly bits: number;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly boolean: boolean;
  pack(value: number): number;
  unpack(word: number): number;
}

function field(
  key: InstructionField,
  bits: number,
  min: number,
  max: number,
  pack: (v: number) => number,
  unpack: (w: number) => number,
  step = 1,
): FieldCodec {
  return { key, bits: bits >>> 0, min, max, step, boolean: false, pack, unpack };
}

function register(key: 'rd' | 'rs1' | 'rs2', shift: number): FieldCodec {
  return field(key, 0x1f << shift, 0, 31, (v) => v << shift, (w) => (w >>> shift) & 0x1f);
}

function flag(key: 'aq' | 'rl', bit: number): FieldCodec {
  return { ...field(key, 1 << bit, 0, 1, (v) => v << bit, (w) => (w >>> bit) & 1), boolean: true };
}

const rd = register('rd', 7);
const rs1 = register('rs1', 15);
const rs2 = register('rs2', 20);

// The immediate layouts of the unprivileged spec, chapter 2 ("Immediate Encoding Variants").
const immI = field('imm', 0xfff00000, -2048, 2047, (v) => (v & 0xfff) << 20, (w) => w >> 20);
const immS = field(
  'imm',
  0xfe000f80,
  -2048,
  2047,
  (v) => (((v >> 5) & 0x7f) << 25) | ((v & 0x1f) << 7),
  (w) => ((w >> 25) << 5) | ((w >>> 7) & 0x1f),
);
const immB = field(
  'imm',
  0xfe000f80,
  -4096,
  4094,
  (v) => (((v >> 12) & 1) << 31) | (((v >> 5) & 0x3f) << 25) | (((v >> 1) & 0xf) << 8) | (((v >> 11) & 1) << 7),
  (w) => ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1),
  2,
);
const immU = field('imm', 0xfffff000, 0, 0xfffff, (v) => v << 12, (w) => w >>> 12);
const immJ = field(
  'imm',
  0xfffff000,
  -(1 << 20),
  (1 << 20) - 2,
  (v) => (((v >> 20) & 1) << 31) | (((v >> 1) & 0x3ff) << 21) | (((v >> 11) & 1) << 20) | (((v >> 12) & 0xff) << 12),
  (w) => ((w >> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1),
  2,
);
const shamt = field('imm', 0x01f00000, 0, 31, (v) => v << 20, (w) => (w >>> 20) & 0x1f);
/** The 5-bit immediate of csrr*i lives where rs1 would be. */
const uimm = field('imm', 0x000f8000, 0, 31, (v) => v << 15, (w) => (w >>> 15) & 0x1f);
const csr = field('csr', 0xfff00000, 0, 0xfff, (v) => v << 20, (w) => w >>> 20);
const pred = field('pred', 0x0f000000, 0, 15, (v) => v << 24, (w) => (w >>> 24) & 0xf);
const succ = field('succ', 0x00f00000, 0, 15, (v) => v << 20, (w) => (w >>> 20) & 0xf);
const aq = flag('aq', 26);
const rl = flag('rl', 25);

/**
 * Instruction formats: the operand fields each carries (in assembly-operand order where
 * that is natural). A format also names an assembly syntax, so formats with the same
 * fields but a different syntax (I vs Load, Sfence vs Hsv) are kept apart.
 * Every bit not covered by a format's fields is fixed by the opcode table row.
 */
export const FORMATS = {
  R: [rd, rs1, rs2],
  I: [rd, rs1, immI],
  Shift: [rd, rs1, shamt],
  Load: [rd, rs1, immI],
  S: [rs2, rs1, immS],
  B: [rs1, rs2, immB],
  U: [rd, immU],
  J: [rd, immJ],
  Jalr: [rd, rs1, immI],
  Csr: [rd, csr, rs1],
  CsrI: [rd, csr, uimm],
  Amo: [rd, rs2, rs1, aq, rl],
  Lr: [rd, rs1, aq, rl],
  Fence: [pred, succ],
  None: [],
  Sfence: [rs1, rs2],
  Hlv: [rd, rs1],
  Hsv: [rs2, rs1],
} as const satisfies Record<string, readonly FieldCodec[]>;

export type FormatName = keyof typeof FORMATS;

/** The word bits that carry operands in a format (the rest are fixed bits). */
export function operandBits(format: FormatName): number {
  return FORMATS[format].reduce((bits, f) => bits | f.bits, 0) >>> 0;
}
