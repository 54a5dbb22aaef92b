// fast-check properties over random programs built with the project's assembler:
// (a) straight-line ALU and memory programs give the registers and memory that a small
//     reference evaluator (written here from the unprivileged spec, BigInt for the
//     M extension) computes;
// (b) programs with branches, loops, traps, device stores and stores next to the code
//     give identical registers, memory, pc, console output and instruction counts with
//     translated blocks and with the interpreter alone, also when stopped after random
//     budgets (every stop exact to the attempt).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from './isa/index.js';
import { CSR } from './csr-numbers.js';
import { PASS, asmMachine } from '../../../tests/support/asm-machine.js';

const BASE = 0x80000000;
const MEM_SIZE = 2 * 1024 * 1024;
const SCRATCH = 0x80080000;
const SCRATCH_BYTES = 72;
/** Registers random instructions use; x8 (scratch base), x9, x28-x31 are reserved. */
const POOL = [1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15];

type R = 'add' | 'sub' | 'sll' | 'slt' | 'sltu' | 'xor' | 'srl' | 'sra' | 'or' | 'and' | 'mul' | 'mulh' | 'mulhsu' | 'mulhu' | 'div' | 'divu' | 'rem' | 'remu';
type I = 'addi' | 'slti' | 'sltiu' | 'xori' | 'ori' | 'andi';
type Sh = 'slli' | 'srli' | 'srai';
type L = 'lb' | 'lh' | 'lw' | 'lbu' | 'lhu';
type S = 'sb' | 'sh' | 'sw';

type Op =
  | { kind: 'r'; name: R; rd: number; rs1: number; rs2: number }
  | { kind: 'i'; name: I; rd: number; rs1: number; imm: number }
  | { kind: 'sh'; name: Sh; rd: number; rs1: number; imm: number }
  | { kind: 'u'; name: 'lui' | 'auipc'; rd: number; imm: number }
  | { kind: 'load'; name: L; rd: number; off: number }
  | { kind: 'store'; name: S; rs2: number; off: number };

const R_NAMES: R[] = ['add', 'sub', 'sll', 'slt', 'sltu', 'xor', 'srl', 'sra', 'or', 'and', 'mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu'];
const I_NAMES: I[] = ['addi', 'slti', 'sltiu', 'xori', 'ori', 'andi'];

const regArb = fc.constantFrom(...POOL);
const destArb = fc.oneof({ weight: 12, arbitrary: regArb }, { weight: 1, arbitrary: fc.constant(0) });
/** Values with the edge cases of the M extension well represented. */
const valueArb = fc.oneof(
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  fc.constantFrom(0, 1, -1, 2, -2, 31, 32, 0x7fffffff, -0x80000000, 0x80000000 | 1, 0xffff, 0x10000),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('r' as const), name: fc.constantFrom(...R_NAMES), rd: destArb, rs1: regArb, rs2: regArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('i' as const), name: fc.constantFrom(...I_NAMES), rd: destArb, rs1: regArb, imm: fc.integer({ min: -2048, max: 2047 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sh' as const), name: fc.constantFrom<Sh>('slli', 'srli', 'srai'), rd: destArb, rs1: regArb, imm: fc.integer({ min: 0, max: 31 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('u' as const), name: fc.constantFrom<'lui' | 'auipc'>('lui', 'auipc'), rd: destArb, imm: fc.integer({ min: 0, max: 0xfffff }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('load' as const), name: fc.constantFrom<L>('lb', 'lh', 'lw', 'lbu', 'lhu'), rd: destArb, off: fc.integer({ min: 0, max: 64 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('store' as const), name: fc.constantFrom<S>('sb', 'sh', 'sw'), rs2: regArb, off: fc.integer({ min: 0, max: 64 }) }) },
);

function render(op: Op): string {
  switch (op.kind) {
    case 'r': return `${op.name} x${op.rd}, x${op.rs1}, x${op.rs2}`;
    case 'i':
    case 'sh': return `${op.name} x${op.rd}, x${op.rs1}, ${op.imm}`;
    case 'u': return `${op.name} x${op.rd}, ${op.imm}`;
    case 'load': return `${op.name} x${op.rd}, ${op.off}(s0)`;
    case 'store': return `${op.name} x${op.rs2}, ${op.off}(s0)`;
  }
}

// ------------------------------------------------------------ reference evaluator

const big = (v: number) => BigInt(v | 0);
const ubig = (v: number) => BigInt(v >>> 0);
const i32 = (v: bigint) => Number(BigInt.asIntN(32, v));

function aluR(name: R, a: number, b: number): number {
  const sh = b & 31;
  switch (name) {
    case 'add': return (a + b) | 0;
    case 'sub': return (a - b) | 0;
    case 'sll': return i32(big(a) << BigInt(sh));
    case 'slt': return a < b ? 1 : 0;
    case 'sltu': return a >>> 0 < b >>> 0 ? 1 : 0;
    case 'xor': return a ^ b;
    case 'srl': return i32(ubig(a) >> BigInt(sh));
    case 'sra': return i32(big(a) >> BigInt(sh));
    case 'or': return a | b;
    case 'and': return a & b;
    case 'mul': return i32(big(a) * big(b));
    case 'mulh': return i32((big(a) * big(b)) >> 32n);
    case 'mulhsu': return i32((big(a) * ubig(b)) >> 32n);
    case 'mulhu': return i32((ubig(a) * ubig(b)) >> 32n);
    // Division by zero and overflow, as the M extension's table defines them.
    case 'div': return b === 0 ? -1 : a === -0x80000000 && b === -1 ? a : i32(big(a) / big(b));
    case 'divu': return b === 0 ? -1 : i32(ubig(a) / ubig(b));
    case 'rem': return b === 0 ? a : a === -0x80000000 && b === -1 ? 0 : i32(big(a) % big(b));
    case 'remu': return b === 0 ? a : i32(ubig(a) % ubig(b));
  }
}

function aluI(name: I | Sh, a: number, imm: number): number {
  switch (name) {
    case 'addi': return (a + imm) | 0;
    case 'slti': return a < imm ? 1 : 0;
    case 'sltiu': return a >>> 0 < imm >>> 0 ? 1 : 0;
    case 'xori': return a ^ imm;
    case 'ori': return a | imm;
    case 'andi': return a & imm;
    case 'slli': return i32(big(a) << BigInt(imm));
    case 'srli': return i32(ubig(a) >> BigInt(imm));
    case 'srai': return i32(big(a) >> BigInt(imm));
  }
}

/** Runs `ops` (the k-th at pc firstPc + 4k) over registers x and little-endian memory mem. */
function evaluate(ops: Op[], x: Int32Array, mem: Uint8Array, firstPc: number): void {
  ops.forEach((op, k) => {
    const pc = (firstPc + 4 * k) | 0;
    let rd = 0;
    let v = 0;
    switch (op.kind) {
      case 'r': rd = op.rd; v = aluR(op.name, x[op.rs1]!, x[op.rs2]!); break;
      case 'i':
      case 'sh': rd = op.rd; v = aluI(op.name, x[op.rs1]!, op.imm); break;
      case 'u': rd = op.rd; v = ((op.imm << 12) + (op.name === 'auipc' ? pc : 0)) | 0; break;
      case 'load': {
        const size = op.name === 'lw' ? 4 : op.name === 'lb' || op.name === 'lbu' ? 1 : 2;
        let u = 0;
        for (let b = size - 1; b >= 0; b--) u = u * 256 + mem[op.off + b]!;
        rd = op.rd;
        v = op.name === 'lb' ? (u << 24) >> 24 : op.name === 'lh' ? (u << 16) >> 16 : u | 0;
        break;
      }
      case 'store': {
        const size = op.name === 'sw' ? 4 : op.name === 'sh' ? 2 : 1;
        const value = x[op.rs2]! >>> 0;
        for (let b = 0; b < size; b++) mem[op.off + b] = (value >>> (8 * b)) & 0xff;
        return;
      }
    }
    if (rd !== 0) x[rd] = v;
  });
}

describe('random straight-line programs against a reference evaluator', () => {
  const programArb = fc.record({
    init: fc.array(valueArb, { minLength: POOL.length, maxLength: POOL.length }),
    memory: fc.uint8Array({ minLength: SCRATCH_BYTES, maxLength: SCRATCH_BYTES }),
    ops: fc.array(opArb, { minLength: 1, maxLength: 60 }),
  });

  // The ops run REPEAT times in a loop (counter x28), since only code that runs again is
  // translated (after interpreted runs of 16 instructions reach the same start 3 times):
  // the later passes exercise the translated blocks.
  const REPEAT = 64;

  it.each([true, false])('registers and memory match (blocks %s)', (blocks) => {
    let translatedRuns = 0;
    fc.assert(
      fc.property(programArb, ({ init, memory, ops }) => {
        const prefix = [`li s0, ${SCRATCH}`, ...POOL.map((r, k) => `li x${r}, ${init[k]}`), `li x28, ${REPEAT}`].join('\n');
        const prefixWords = assemble(prefix).length;
        const source = `${prefix}\nrepeat:\n${ops.map(render).join('\n')}\naddi x28, x28, -1\nbnez x28, repeat`;
        const m = asmMachine(source, { blocks, memSize: MEM_SIZE });
        const ram = m.machine.bus.ram;
        ram.u8.set(memory, SCRATCH - BASE);
        const attempts = prefixWords + REPEAT * (ops.length + 2);
        const outcome = m.machine.run(attempts);

        const x = new Int32Array(32);
        x[8] = SCRATCH | 0;
        POOL.forEach((r, k) => (x[r] = init[k]! | 0));
        const mem = Uint8Array.from(memory);
        for (let pass = 0; pass < REPEAT; pass++) evaluate(ops, x, mem, BASE + 4 * prefixWords);

        expect(outcome).toBeNull();
        expect(m.hart.icount).toBe(attempts);
        expect(m.hart.pc >>> 0).toBe(BASE + 4 * m.words.length);
        expect(m.hart.x[28]).toBe(0);
        // x0 is compared by its own test (hart.test.ts); x28 is the loop counter.
        const mine = (v: Int32Array) => [...v].map((value, r) => (r === 0 || r === 28 ? 0 : value));
        expect(mine(m.hart.x)).toEqual(mine(x));
        expect([...ram.u8.subarray(SCRATCH - BASE, SCRATCH - BASE + SCRATCH_BYTES)]).toEqual([...mem]);
        if (m.hart.code.fns.length > 1) translatedRuns++;
      }),
      { numRuns: 250 },
    );
    // The property must really exercise translated blocks when they are on.
    if (blocks) expect(translatedRuns).toBeGreaterThan(200);
    else expect(translatedRuns).toBe(0);
  });
});

// ---------------------------------------------------- blocks against interpreter

type Stmt =
  | { kind: 'op'; op: Op }
  | { kind: 'csr'; rd: number; csr: 'minstret' | 'instret' | 'mcycle' | 'time' }
  | { kind: 'if'; cond: 'beq' | 'bne' | 'blt' | 'bge' | 'bltu' | 'bgeu'; rs1: number; rs2: number; body: Stmt[] }
  | { kind: 'loop'; n: number; body: Stmt[] }
  | { kind: 'trap'; what: 'ecall' | 'ebreak' | 'illegal' | 'fault' | 'misjump' | 'badcsr' }
  | { kind: 'uart'; rs2: number }
  | { kind: 'near'; store: boolean; reg: number; off: number };

const leafArb: fc.Arbitrary<Stmt> = fc.oneof(
  { weight: 10, arbitrary: opArb.map((op) => ({ kind: 'op' as const, op })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('csr' as const), rd: regArb, csr: fc.constantFrom<'minstret' | 'instret' | 'mcycle' | 'time'>('minstret', 'instret', 'mcycle', 'time') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('trap' as const), what: fc.constantFrom<'ecall' | 'ebreak' | 'illegal' | 'fault' | 'misjump' | 'badcsr'>('ecall', 'ebreak', 'illegal', 'fault', 'misjump', 'badcsr') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('uart' as const), rs2: regArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('near' as const), store: fc.boolean(), reg: regArb, off: fc.integer({ min: 0, max: 60 }) }) },
);

const condArb = fc.constantFrom<'beq' | 'bne' | 'blt' | 'bge' | 'bltu' | 'bgeu'>('beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu');
const ifArb = (body: fc.Arbitrary<Stmt[]>) => fc.record({ kind: fc.constant('if' as const), cond: condArb, rs1: regArb, rs2: regArb, body });
const innerArb = fc.array(fc.oneof({ weight: 5, arbitrary: leafArb }, { weight: 1, arbitrary: ifArb(fc.array(leafArb, { minLength: 1, maxLength: 6 })) }), { minLength: 1, maxLength: 10 });
const stmtArb: fc.Arbitrary<Stmt> = fc.oneof(
  { weight: 6, arbitrary: leafArb },
  { weight: 1, arbitrary: ifArb(innerArb) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('loop' as const), n: fc.integer({ min: 1, max: 30 }), body: innerArb }) },
);

function renderStmts(stmts: Stmt[], out: string[], labels: { n: number }): void {
  for (const s of stmts) {
    switch (s.kind) {
      case 'op': out.push(render(s.op)); break;
      case 'csr': out.push(`csrr x${s.rd}, ${s.csr}`); break;
      case 'uart': out.push(`sb x${s.rs2}, 0(x29)`); break;
      case 'near': out.push(s.store ? `sw x${s.reg}, ${s.off}(x9)` : `lw x${s.reg}, ${s.off}(x9)`); break;
      case 'trap': {
        const l = `m${labels.n++}`;
        out.push({ ecall: 'ecall', ebreak: 'ebreak', illegal: '.word 0', fault: 'lw x5, 0(zero)', misjump: `${l}: jal x1, ${l}+6`, badcsr: 'csrr x5, 0x7c0' }[s.what]);
        break;
      }
      case 'if': {
        const l = `skip${labels.n++}`;
        out.push(`${s.cond} x${s.rs1}, x${s.rs2}, ${l}`);
        renderStmts(s.body, out, labels);
        out.push(`${l}:`);
        break;
      }
      case 'loop': {
        const l = `loop${labels.n++}`;
        out.push(`li x31, ${s.n}`, `${l}:`);
        renderStmts(s.body, out, labels);
        out.push('addi x31, x31, -1', `bnez x31, ${l}`);
        break;
      }
    }
  }
}

function controlFlowProgram(init: number[], stmts: Stmt[]): string {
  const out = [
    'la t0, skip_trap',
    'csrw mtvec, t0',
    `li s0, ${SCRATCH}`,
    'la s1, near',
    'li x29, 0x10000000',
    ...POOL.map((r, k) => `li x${r}, ${init[k]}`),
  ];
  // The whole body runs 12 times (counter x28) so that it gets hot enough to translate.
  out.push('li x28, 12', 'body:');
  renderStmts(stmts, out, { n: 0 });
  out.push('addi x28, x28, -1', 'bnez x28, body');
  // The trap handler steps over the instruction that trapped.
  out.push(PASS, 'skip_trap:', 'csrr x30, mepc', 'addi x30, x30, 4', 'csrw mepc, x30', 'mret', 'near:', ...new Array<string>(17).fill('.word 0'));
  return out.join('\n');
}

interface Snapshot {
  x: number[];
  pc: number;
  icount: number;
  attempts: number;
  mepc: number;
  mcause: number;
  out: string;
}

describe('random programs with control flow: translated blocks against the interpreter', () => {
  it('identical state at every stop of a random sequence of budgets', () => {
    let translatedRuns = 0;
    fc.assert(
      fc.property(
        fc.array(valueArb, { minLength: POOL.length, maxLength: POOL.length }),
        fc.uint8Array({ minLength: SCRATCH_BYTES, maxLength: SCRATCH_BYTES }),
        fc.array(stmtArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 40 }),
        (init, memory, stmts, budgets) => {
          const source = controlFlowProgram(init, stmts);
          const machines = [true, false].map((blocks) => {
            const m = asmMachine(source, { blocks, memSize: MEM_SIZE });
            m.machine.bus.ram.u8.set(memory, SCRATCH - BASE);
            return m;
          });
          const snapshot = (m: (typeof machines)[number]): Snapshot => ({
            // x0 is compared by its own test (hart.test.ts): here only x1-x31.
            x: [...m.hart.x].slice(1),
            pc: m.hart.pc,
            icount: m.hart.icount,
            attempts: m.hart.attempts,
            mepc: m.hart.csr[CSR.mepc]!,
            mcause: m.hart.csr[CSR.mcause]!,
            out: m.console.text(),
          });
          for (const n of [...budgets, 5_000_000]) {
            const states = machines.map((m) => {
              const before = m.hart.attempts;
              const outcome = m.machine.run(n);
              // A run that did not end used exactly its budget.
              if (outcome === null) expect(m.hart.attempts - before).toBe(n);
              return { outcome, state: snapshot(m) };
            });
            expect(states[0]).toEqual(states[1]);
            if (states[0]!.outcome !== null) break;
          }
          const [a, b] = machines as [(typeof machines)[number], (typeof machines)[number]];
          expect(a.machine.outcome?.kind).toBe('pass');
          const region = (m: typeof a, pa: number, n: number) => [...m.machine.bus.ram.u8.subarray(pa - BASE, pa - BASE + n)];
          expect(region(a, SCRATCH, SCRATCH_BYTES)).toEqual(region(b, SCRATCH, SCRATCH_BYTES));
          const near = assemble(`${source}\n.word near`);
          const nearPa = near[near.length - 1]!;
          expect(region(a, nearPa, 68)).toEqual(region(b, nearPa, 68));
          expect(region(a, BASE, 4 * (near.length - 1))).toEqual(region(b, BASE, 4 * (near.length - 1)));
          if (a.hart.code.fns.length > 1) translatedRuns++;
        },
      ),
      { numRuns: 250 },
    );
    // The property must really exercise translated blocks.
    expect(translatedRuns).toBeGreaterThan(150);
  });
});
