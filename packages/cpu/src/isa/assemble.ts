import { OperandContext, OPERAND_PARSERS, expectOperands, splitOperands } from './asm-operands.js';
import { PSEUDOS, checkPseudoOperands } from './asm-pseudo.js';
import { encode } from './encode.js';
import type { Instruction } from './instruction.js';
import { opcodeRow, type Mnemonic } from './opcodes.js';

export interface AssembleOptions {
  /** Address of the first word; labels and `.` are absolute. Default 0x80000000. */
  readonly base?: number;
}

const NOP = 0x00000013; // addi zero, zero, 0
const MAX_ALIGN = 16;

/** One source statement and what the first pass learned about it. */
interface Statement {
  readonly line: number;
  readonly pc: number;
  readonly name: string;
  readonly operands: readonly string[];
  readonly words: number;
  emit(c: OperandContext): number[];
}

function stripComment(line: string): string {
  const hash = line.indexOf('#');
  const slashes = line.indexOf('//');
  const cut = Math.min(hash < 0 ? line.length : hash, slashes < 0 ? line.length : slashes);
  return line.slice(0, cut);
}

function word32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw new Error(`${what} ${value} does not fit in 32 bits`);
  }
  return value >>> 0;
}

/** An instruction with an lr/sc/amo ordering suffix: `amoadd.w.aqrl` -> amoadd.w, aq, rl. */
function splitOrdering(name: string): { mnemonic: string; aq: boolean; rl: boolean } {
  const m = /^(.*)\.(aq|rl|aqrl)$/.exec(name);
  const format = m ? opcodeRow(m[1]!)?.format : undefined;
  if (m === null || (format !== 'Amo' && format !== 'Lr')) return { mnemonic: name, aq: false, rl: false };
  return { mnemonic: m[1]!, aq: m[2]!.startsWith('aq'), rl: m[2]!.endsWith('rl') };
}

type Plan = Pick<Statement, 'words' | 'emit'>;

/** How a statement assembles: its size now, and its words once labels are known. */
function plan(name: string, ops: readonly string[], first: OperandContext): Plan {
  if (name.startsWith('.')) return planDirective(name, ops, first);

  const pseudo = PSEUDOS.get(name);
  if (pseudo !== undefined) {
    checkPseudoOperands(name, pseudo, ops);
    return { words: pseudo.words(ops, first), emit: (c) => pseudo.expand(ops, c).map(encode) };
  }

  const { mnemonic, aq, rl } = splitOrdering(name);
  const row = opcodeRow(mnemonic);
  if (row === undefined) throw new Error(`unknown instruction '${name}'`);
  const ordering = row.format === 'Amo' || row.format === 'Lr' ? { aq, rl } : {};
  return {
    words: 1,
    emit: (c) => {
      const operands = OPERAND_PARSERS[row.format](ops, c, name);
      const insn: Instruction = { mnemonic: mnemonic as Mnemonic, ...operands, ...ordering };
      return [encode(insn)];
    },
  };
}

function planDirective(name: string, ops: readonly string[], first: OperandContext): Plan {
  switch (name) {
    case '.word':
      if (ops.length === 0) throw new Error('.word expects at least 1 operand');
      return { words: ops.length, emit: (c) => ops.map((op) => word32(c.value(op), '.word value')) };
    case '.align': {
      // GNU semantics on RISC-V: align to 2^N bytes, padding code with nops.
      expectOperands(name, ops, 1);
      const n = first.constant(ops[0]!);
      if (n === undefined || !Number.isInteger(n) || n < 0 || n > MAX_ALIGN) {
        throw new Error(`.align expects a constant 0..${MAX_ALIGN}`);
      }
      const size = 2 ** n;
      const pad = size <= 4 ? 0 : ((size - (first.pc % size)) % size) / 4;
      return { words: pad, emit: () => new Array<number>(pad).fill(NOP) };
    }
    case '.text':
    case '.globl':
    case '.global':
      return { words: 0, emit: () => [] };
    default:
      throw new Error(`unknown directive '${name}'`);
  }
}

function withLine<T>(line: number, run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw new Error(`line ${line}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * A small two-pass assembler for GNU-style RV32 assembly: one statement per line,
 * `#` and `//` comments, `label:` definitions, the instructions of the opcode table
 * (with .aq/.rl/.aqrl suffixes on lr/sc/amo), the common pseudo-instructions, and the
 * directives .word, .align, .text, .globl. Errors name the line: `line 3: ...`.
 */
export function assemble(source: string, options: AssembleOptions = {}): Uint32Array {
  const base = options.base ?? 0x80000000;
  if (!Number.isInteger(base) || base < 0 || base > 0xffffffff || base % 4 !== 0) {
    throw new Error(`base ${base} is not a 4-byte aligned 32-bit address`);
  }

  // Pass 1: label addresses and statement sizes.
  const symbols = new Map<string, number>();
  const statements: Statement[] = [];
  let offset = 0;
  source.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    withLine(line, () => {
      let text = stripComment(raw).trim();
      const pc = (base + offset) >>> 0;
      for (let m = /^([A-Za-z_.$][\w.$]*)\s*:/.exec(text); m !== null; m = /^([A-Za-z_.$][\w.$]*)\s*:/.exec(text)) {
        if (symbols.has(m[1]!)) throw new Error(`duplicate label '${m[1]}'`);
        symbols.set(m[1]!, pc);
        text = text.slice(m[0].length).trim();
      }
      if (text === '') return;
      const space = text.search(/\s/);
      const name = (space < 0 ? text : text.slice(0, space)).toLowerCase();
      const operands = splitOperands(space < 0 ? '' : text.slice(space));
      const { words, emit } = plan(name, operands, new OperandContext(pc, symbols));
      statements.push({ line, pc, name, operands, words, emit });
      offset += 4 * words;
    });
  });

  // Pass 2: every label is known; encode.
  const out = new Uint32Array(offset / 4);
  for (const s of statements) {
    withLine(s.line, () => {
      const words = s.emit(new OperandContext(s.pc, symbols));
      if (words.length !== s.words) throw new Error(`internal: ${s.name} planned ${s.words} words, made ${words.length}`);
      out.set(words, ((s.pc - base) >>> 0) / 4);
    });
  }
  return out;
}
