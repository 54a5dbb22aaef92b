import { TLB_MASK } from '@hvrr/mmu';
import type { InsnColumns } from '@hvrr/events';

/**
 * Translates a basic block of guest code into a JavaScript function (DESIGN.md "Speed
 * in V8": per-block functions run several times faster than a switch interpreter).
 *
 * A block is code from its first instruction up to and including an unconditional
 * jump (JAL, JALR), or up to the end of the page, or MAX_BLOCK instructions; a
 * conditional branch inside it is a side exit that reports how far the block got. Instructions that need the hart's full machinery (SYSTEM, AMO,
 * illegal encodings) end a block before them; the interpreter runs those.
 *
 * The generated function returns the next pc. It keeps exceptions precise: a fault on
 * the k-th instruction sets `h.blockDone = k + 1` (attempts made) and returns that
 * instruction's pc with the exception pending, exactly as the interpreter would.
 * Virtual pcs are baked in as constants, so a block is only reused at the same pc.
 */
export const MAX_BLOCK = 64;

export type BlockFn = (
  h: BlockHart,
  x: Int32Array,
  r32: Int32Array,
  r16: Int16Array,
  ru16: Uint16Array,
  r8: Int8Array,
  ru8: Uint8Array,
  ltag: Int32Array,
  loff: Int32Array,
  stag: Int32Array,
  soff: Int32Array,
  M: MulDiv,
  L: InsnColumns | null,
) => number;

/** What generated code may call on the hart. */
export interface BlockHart {
  icount: number;
  blockDone: number;
  excPending: boolean;
  sliceBreak: boolean;
  raise(cause: number, tval: number): void;
  loadSlow(va: number, size: 1 | 2 | 4, signed: boolean, icount: number): number;
  storeSlow(va: number, size: 1 | 2 | 4, value: number, icount: number): void;
  lastStoreAddr: number;
  lastStoreValue: number;
  lastStoreSize: number;
}

export interface MulDiv {
  mulh(a: number, b: number): number;
  mulhsu(a: number, b: number): number;
  mulhu(a: number, b: number): number;
  div(a: number, b: number): number;
  divu(a: number, b: number): number;
  rem(a: number, b: number): number;
  remu(a: number, b: number): number;
}

export interface TranslatedBlock {
  fn: BlockFn;
  /** Instructions in the block (attempts when it runs to its end). */
  length: number;
}

const PARAMS = ['h', 'x', 'r32', 'r16', 'ru16', 'r8', 'ru8', 'ltag', 'loff', 'stag', 'soff', 'M', 'L'];

/**
 * Translates the block at virtual `pc`, whose instructions start at word `wordIndex`
 * of RAM. Returns null when the first instruction cannot be translated.
 */
export function translateBlock(ram: Int32Array, wordIndex: number, pc: number, logging = false): TranslatedBlock | null {
  const lines: string[] = [];
  use = { used: new Set(), written: new Set() };
  const wordsLeftInPage = 1024 - (wordIndex & 1023);
  const limit = Math.min(MAX_BLOCK, wordsLeftInPage);
  let k = 0;
  let terminated = false;
  for (; k < limit && !terminated; k++) {
    const inst = ram[wordIndex + k];
    const P = (pc + 4 * k) | 0;
    const code = translateInstruction(inst, P, k);
    if (code === null) break;
    lines.push(
      code.text
        .split(ROW)
        .join(logging ? rowCode(inst, P) : '')
        .split(SYNC_OUT)
        .join(logging ? 'L.count = n; ' : '')
        .split(SYNC_IN)
        .join(logging ? ' n = L.count;' : ''),
    );
    terminated = code.ends;
  }
  if (lines.length === 0) return null;
  const length = lines.length;
  if (!terminated) lines.push(ret(`${(pc + 4 * length) | 0}`));
  const regs = [...use.used].sort((a, b) => a - b);
  const load = regs.length ? `let ${regs.map((r) => `g${r} = x[${r}]`).join(', ')};\n` : '';
  const writeBack =
    [...use.written]
      .sort((a, b) => a - b)
      .map((r) => `x[${r}] = g${r}; `)
      .join('') + (logging ? 'L.count = n; ' : '');
  // The column arrays are the same objects for the log's whole life (reset() keeps them).
  const logLocals = logging ? 'const Lpc = L.pc, Lraw = L.raw, Lrd = L.rdValue, Lsa = L.storeAddr, Lsv = L.storeValue, Lfl = L.flags; let n = L.count;\n' : '';
  // Slow paths set h.icount to the instruction they serve, so later ones in the same
  // block must count from the block's entry value, not from h.icount.
  const body = 'const ic = h.icount;\n' + logLocals + load + lines.join('\n').split(WRITE_BACK).join(writeBack);
  // The same code at the same pc translates to the same source (fork copies a process's
  // pages, exec reloads the same program): compile it once.
  let fn = compiled.get(body);
  if (fn === undefined) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    fn = new Function(...PARAMS, body) as BlockFn;
    compiled.set(body, fn);
  }
  return { fn, length };
}

/**
 * The row of a retired instruction, as Hart.logRetired writes it: pc, word, the value
 * of the register its bits 11:7 name (0 for x0), and the store the slow path noted.
 */
function rowCode(inst: number, P: number): string {
  const field = (inst >> 7) & 31;
  const head = `Lpc[n] = ${P}; Lraw[n] = ${inst}; Lrd[n] = ${reg(field)}; `;
  if (((inst >>> 2) & 31) !== 8) return `${head}Lfl[n] = 0; n++;\n`;
  return `${head}if (h.lastStoreSize !== 0) { Lsa[n] = h.lastStoreAddr; Lsv[n] = h.lastStoreValue; Lfl[n] = 1 | (h.lastStoreSize << 1); h.lastStoreSize = 0; } else Lfl[n] = 0; n++;\n`;
}

/** Compiled functions by source text, shared by every copy of the same code. */
const compiled = new Map<string, BlockFn>();
const MAX_COMPILED = 1 << 16;

interface InstructionCode {
  text: string;
  /** True for a control transfer: the block ends with it. */
  ends: boolean;
}

/**
 * Registers live in JavaScript locals inside a block (DESIGN.md measured 5-25% over
 * typed-array slots): every register the block touches is loaded on entry, and the
 * ones it writes are stored back before each return (the WRITE_BACK placeholder).
 */
const WRITE_BACK = '\u0000';

interface RegisterUse {
  used: Set<number>;
  written: Set<number>;
}

let use: RegisterUse = { used: new Set(), written: new Set() };

/** Every value a register local holds must be an int32 (`>>>` results are | 0'd). */
function reg(r: number): string {
  if (r === 0) return '0';
  use.used.add(r);
  return `g${r}`;
}

/**
 * Where an instruction has retired and, when instructions are logged (the `full`
 * trace level), its row is written: after its effects, before any return that follows
 * them, and never on a path where it faulted.
 */
const ROW = '\u0001';
/**
 * Around slow-path calls: the row count lives in a local inside the block, and a slow
 * path may flush the log (a device access or a state event at the full level), so
 * the count goes back to the log before the call and is read again after it.
 */
const SYNC_OUT = '\u0002';
const SYNC_IN = '\u0003';

function ret(expr: string): string {
  return `${WRITE_BACK}return ${expr};`;
}

function translateInstruction(inst: number, P: number, k: number): InstructionCode | null {
  if ((inst & 3) !== 3) return null;
  const rd = (inst >> 7) & 31;
  const rs1 = (inst >> 15) & 31;
  const rs2 = (inst >> 20) & 31;
  const f3 = (inst >>> 12) & 7;
  const f7 = inst >>> 25;
  const a = reg(rs1);
  const b = reg(rs2);
  const dest = (): string => {
    use.written.add(rd);
    return reg(rd);
  };
  const set = (expr: string): InstructionCode => ({ text: (rd === 0 ? '' : `${dest()} = ${expr};`) + ROW, ends: false });
  const fault = `{ h.blockDone = ${k + 1}; ${ret(`${P}`)} }`;
  const misalignedJump = (target: string) => `{ h.raise(0, ${target}); h.blockDone = ${k + 1}; ${ret(`${P}`)} }`;

  switch ((inst >>> 2) & 31) {
    case 13: // LUI
      return set(`${inst & 0xfffff000}`);
    case 5: // AUIPC
      return set(`${(P + (inst & 0xfffff000)) | 0}`);
    case 4: {
      const imm = inst >> 20;
      const sh = rs2;
      switch (f3) {
        case 0: return set(`(${a} + ${imm}) | 0`);
        case 2: return set(`${a} < ${imm} ? 1 : 0`);
        case 3: return set(`(${a} >>> 0) < ${imm >>> 0} ? 1 : 0`);
        case 4: return set(`${a} ^ ${imm}`);
        case 6: return set(`${a} | ${imm}`);
        case 7: return set(`${a} & ${imm}`);
        case 1: return f7 === 0 ? set(`${a} << ${sh}`) : null;
        default: return f7 === 0 ? set(`(${a} >>> ${sh}) | 0`) : f7 === 0x20 ? set(`${a} >> ${sh}`) : null;
      }
    }
    case 12: {
      if (f7 === 0) {
        const ops = [`(${a} + ${b}) | 0`, `${a} << (${b} & 31)`, `${a} < ${b} ? 1 : 0`, `(${a} >>> 0) < (${b} >>> 0) ? 1 : 0`, `${a} ^ ${b}`, `(${a} >>> (${b} & 31)) | 0`, `${a} | ${b}`, `${a} & ${b}`];
        return set(ops[f3]);
      }
      if (f7 === 1) {
        const ops = [`Math.imul(${a}, ${b})`, `M.mulh(${a}, ${b})`, `M.mulhsu(${a}, ${b})`, `M.mulhu(${a}, ${b})`, `M.div(${a}, ${b})`, `M.divu(${a}, ${b})`, `M.rem(${a}, ${b})`, `M.remu(${a}, ${b})`];
        return set(ops[f3]);
      }
      if (f7 === 0x20 && f3 === 0) return set(`(${a} - ${b}) | 0`);
      if (f7 === 0x20 && f3 === 5) return set(`${a} >> (${b} & 31)`);
      return null;
    }
    case 0: {
      // Loads
      if (f3 === 3 || f3 > 5) return null;
      const size = f3 === 2 ? 4 : (f3 & 1) !== 0 ? 2 : 1;
      const view = ['r8', 'r16', 'r32', '', 'ru8', 'ru16'][f3];
      const index = size === 4 ? '(loff[i] + (va & 0xfff)) >> 2' : size === 2 ? '(loff[i] + (va & 0xfff)) >> 1' : 'loff[i] + (va & 0xfff)';
      const aligned = size === 1 ? '' : ` && (va & ${size - 1}) === 0`;
      const assign = rd === 0 ? '' : `${dest()} = v;`;
      return {
        text: `{ const va = (${a} + ${inst >> 20}) | 0; const vpn = va >>> 12; const i = vpn & ${TLB_MASK}; let v;
if (ltag[i] === vpn${aligned}) v = ${view}[${index}];
else { ${SYNC_OUT}v = h.loadSlow(va, ${size}, ${f3 < 4}, ic + ${k});${SYNC_IN} if (h.excPending) ${fault} }
${assign} }${ROW}`,
        ends: false,
      };
    }
    case 8: {
      // Stores
      if (f3 > 2) return null;
      const size = 1 << f3;
      const view = ['r8', 'r16', 'r32'][f3];
      const index = size === 4 ? '(soff[i] + (va & 0xfff)) >> 2' : size === 2 ? '(soff[i] + (va & 0xfff)) >> 1' : 'soff[i] + (va & 0xfff)';
      const aligned = size === 1 ? '' : ` && (va & ${size - 1}) === 0`;
      const imm = ((inst >> 25) << 5) | rd;
      return {
        text: `{ const va = (${a} + ${imm}) | 0; const vpn = va >>> 12; const i = vpn & ${TLB_MASK};
if (stag[i] === vpn${aligned}) ${view}[${index}] = ${b};
else { ${SYNC_OUT}h.storeSlow(va, ${size}, ${b}, ic + ${k});${SYNC_IN} if (h.excPending) ${fault} }
${ROW}if (h.sliceBreak) { h.blockDone = ${k + 1}; ${ret(`${(P + 4) | 0}`)} } }`,
        ends: false,
      };
    }
    case 3:
      // FENCE is a no-op. FENCE.I ends the block: a store earlier in this block may have
      // rewritten what follows, and the dispatcher looks the next block up afresh.
      if (f3 === 0) return { text: ROW, ends: false };
      return f3 === 1 ? { text: ROW + ret(`${(P + 4) | 0}`), ends: true } : null;
    case 24: {
      // Branches
      const conds = [`${a} === ${b}`, `${a} !== ${b}`, '', '', `${a} < ${b}`, `${a} >= ${b}`, `(${a} >>> 0) < (${b} >>> 0)`, `(${a} >>> 0) >= (${b} >>> 0)`];
      const cond = conds[f3];
      if (cond === '') return null;
      const imm = ((inst >> 31) << 12) | (((inst >> 7) & 1) << 11) | (((inst >> 25) & 0x3f) << 5) | (((inst >> 8) & 0xf) << 1);
      const target = (P + imm) | 0;
      // A conditional branch is a side exit: the block goes on with the fall-through path,
      // so loops with tests in them still make long blocks.
      // A taken branch to a misaligned target faults and does not retire.
      if ((target & 3) !== 0) return { text: `if (${cond}) ${misalignedJump(`${target}`)}${ROW}`, ends: false };
      return { text: `${ROW}if (${cond}) { h.blockDone = ${k + 1}; ${ret(`${target}`)} }`, ends: false };
    }
    case 27: {
      // JAL
      const imm = ((inst >> 31) << 20) | (inst & 0xff000) | (((inst >> 20) & 1) << 11) | (((inst >> 21) & 0x3ff) << 1);
      const target = (P + imm) | 0;
      if ((target & 3) !== 0) return { text: misalignedJump(`${target}`), ends: true };
      return { text: `${rd === 0 ? '' : `${dest()} = ${(P + 4) | 0}; `}${ROW}${ret(`${target}`)}`, ends: true };
    }
    case 25: {
      // JALR
      if (f3 !== 0) return null;
      return {
        text: `{ const t = (${a} + ${inst >> 20}) & -2; if ((t & 2) !== 0) ${misalignedJump('t')} ${rd === 0 ? '' : `${dest()} = ${(P + 4) | 0}; `}${ROW}${ret('t')} }`,
        ends: true,
      };
    }
    default:
      return null;
  }
}
