import { evaluate } from './asm-expression.js';
import { csrNumber } from './csr-names.js';
import { parseFenceSet } from './fence-sets.js';
import type { FormatName } from './formats.js';
import type { Instruction } from './instruction.js';
import { registerNumber } from './registers.js';

const ZERO = 0;
const RA = 1;

/** Splits an operand list at top-level commas: "t0, 8(sp)" -> ["t0", "8(sp)"]. */
export function splitOperands(text: string): string[] {
  const t = text.trim();
  if (t === '') return [];
  const operands: string[] = [];
  let depth = 0;
  let start = 0;
  for (let k = 0; k < t.length; k++) {
    const ch = t[k];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      operands.push(t.slice(start, k).trim());
      start = k + 1;
    }
  }
  operands.push(t.slice(start).trim());
  if (operands.some((op) => op === '')) throw new Error('empty operand');
  return operands;
}

/** Throws unless the operand count is one of `counts`. */
export function expectOperands(mnemonic: string, operands: readonly string[], ...counts: number[]): void {
  if (counts.includes(operands.length)) return;
  const wanted = counts.join(' or ');
  throw new Error(`${mnemonic} expects ${wanted} operand${wanted === '1' ? '' : 's'}, got ${operands.length}`);
}

/**
 * Reads operands of the statement at `pc`. `symbols` holds the labels known so far;
 * `constant` never looks at them, so it gives the same answer in both passes.
 */
export class OperandContext {
  constructor(
    readonly pc: number,
    private readonly symbols: ReadonlyMap<string, number>,
  ) {}

  reg(text: string): number {
    const n = registerNumber(text.trim());
    if (n === undefined) throw new Error(`unknown register '${text.trim()}'`);
    return n;
  }

  value(text: string): number {
    return evaluate(text, {
      dot: this.pc,
      symbol: (name) => {
        const value = this.symbols.get(name);
        if (value === undefined) throw new Error(`undefined label '${name}'`);
        return value;
      },
    });
  }

  /** The value of an expression without labels, or undefined if it uses one. */
  constant(text: string): number | undefined {
    let usesLabel = false;
    const value = evaluate(text, {
      dot: this.pc,
      symbol: () => {
        usesLabel = true;
        return 0;
      },
    });
    return usesLabel ? undefined : value;
  }

  /** A branch/jump target (label, absolute address, or `.`-relative) as an offset from pc. */
  target(text: string): number {
    return (this.value(text) - this.pc) | 0;
  }

  csr(text: string): number {
    const t = text.trim();
    const n = csrNumber(t);
    if (n !== undefined) return n;
    if (/^[A-Za-z_]/.test(t)) throw new Error(`unknown CSR '${t}'`);
    return this.value(t);
  }

  /** `offset(reg)` or `(reg)`; the offset may be any expression, e.g. %lo(sym). */
  memory(text: string): { rs1: number; imm: number } {
    const m = /^(.*)\(([^()]*)\)$/s.exec(text.trim());
    if (m === null) throw new Error(`expected offset(register), got '${text}'`);
    const offset = m[1]!.trim();
    return { rs1: this.reg(m[2]!), imm: offset === '' ? 0 : this.value(offset) };
  }

  /** `(reg)` of the atomics and hypervisor loads/stores; an explicit offset must be 0. */
  address(text: string): number {
    const { rs1, imm } = this.memory(text);
    if (imm !== 0) throw new Error(`expected (register) with no offset, got '${text}'`);
    return rs1;
  }

  fence(text: string): number {
    const set = parseFenceSet(text);
    if (set === undefined) throw new Error(`bad fence set '${text}' (want a subset of iorw, in that order)`);
    return set;
  }
}

type Operands = Omit<Instruction, 'mnemonic'>;
type Parser = (ops: readonly string[], c: OperandContext, mnemonic: string) => Operands;
type Reader = (ops: readonly string[], c: OperandContext) => Operands;

/** A syntax with a fixed operand count (or a few accepted counts). */
function takes(counts: number | number[], read: Reader): Parser {
  const accepted = typeof counts === 'number' ? [counts] : counts;
  return (ops, c, mnemonic) => {
    expectOperands(mnemonic, ops, ...accepted);
    return read(ops, c);
  };
}

/** Operand syntax per format; the inverse of the disassembler's printers. */
export const OPERAND_PARSERS: Record<FormatName, Parser> = {
  R: takes(3, ([rd, rs1, rs2], c) => ({ rd: c.reg(rd), rs1: c.reg(rs1), rs2: c.reg(rs2) })),
  I: takes(3, ([rd, rs1, imm], c) => ({ rd: c.reg(rd), rs1: c.reg(rs1), imm: c.value(imm) })),
  Shift: takes(3, ([rd, rs1, shamt], c) => ({ rd: c.reg(rd), rs1: c.reg(rs1), imm: c.value(shamt) })),
  Load: takes(2, ([rd, mem], c) => ({ rd: c.reg(rd), ...c.memory(mem) })),
  S: takes(2, ([rs2, mem], c) => ({ rs2: c.reg(rs2), ...c.memory(mem) })),
  B: takes(3, ([rs1, rs2, target], c) => ({ rs1: c.reg(rs1), rs2: c.reg(rs2), imm: c.target(target) })),
  U: takes(2, ([rd, imm], c) => ({ rd: c.reg(rd), imm: c.value(imm) })),
  // `jal label` links through ra.
  J: takes([1, 2], (ops, c) =>
    ops.length === 1 ? { rd: RA, imm: c.target(ops[0]) } : { rd: c.reg(ops[0]), imm: c.target(ops[1]) },
  ),
  // jalr rd, imm(rs1) | jalr rd, rs1, imm | jalr rd, rs1 | jalr rs1 (links through ra)
  Jalr: takes([1, 2, 3], (ops, c) => {
    if (ops.length === 3) return { rd: c.reg(ops[0]), rs1: c.reg(ops[1]), imm: c.value(ops[2]) };
    const rd = ops.length === 1 ? RA : c.reg(ops[0]);
    const last = ops[ops.length - 1];
    return last.includes('(') ? { rd, ...c.memory(last) } : { rd, rs1: c.reg(last), imm: 0 };
  }),
  Csr: takes(3, ([rd, csr, rs1], c) => ({ rd: c.reg(rd), csr: c.csr(csr), rs1: c.reg(rs1) })),
  CsrI: takes(3, ([rd, csr, imm], c) => ({ rd: c.reg(rd), csr: c.csr(csr), imm: c.value(imm) })),
  Amo: takes(3, ([rd, rs2, addr], c) => ({ rd: c.reg(rd), rs2: c.reg(rs2), rs1: c.address(addr) })),
  Lr: takes(2, ([rd, addr], c) => ({ rd: c.reg(rd), rs1: c.address(addr) })),
  // A bare `fence` orders everything: iorw, iorw.
  Fence: takes([0, 2], (ops, c) =>
    ops.length === 0 ? { pred: 0b1111, succ: 0b1111 } : { pred: c.fence(ops[0]), succ: c.fence(ops[1]) },
  ),
  None: takes(0, () => ({})),
  // sfence.vma / hfence.*: missing operands are zero (all addresses / all address spaces).
  Sfence: takes([0, 1, 2], (ops, c) => ({
    rs1: ops.length > 0 ? c.reg(ops[0]) : ZERO,
    rs2: ops.length > 1 ? c.reg(ops[1]) : ZERO,
  })),
  Hlv: takes(2, ([rd, addr], c) => ({ rd: c.reg(rd), rs1: c.address(addr) })),
  Hsv: takes(2, ([rs2, addr], c) => ({ rs2: c.reg(rs2), rs1: c.address(addr) })),
};
