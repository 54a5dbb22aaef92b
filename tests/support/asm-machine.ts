// Runs small assembled programs on a bare Machine (M-mode at 0x80000000, as with
// `qemu -bios none`) and reads back what they did. Shared by the hart, Sv32,
// block-translation and machine tests.
import { assemble, registerNumber, type Hart } from '@hvrr/cpu';
import { BufferConsole, Machine, type RunOutcome } from '@hvrr/machine';
import { buildTestElf, TEST_BASE } from './test-elf.js';

/** SiFive test finisher of QEMU virt. */
export const FINISHER = 0x100000;

/** Ends the run with a pass through the test finisher. Clobbers t5 and t6; 4 instructions. */
export const PASS = 'li t6, 0x100000\nli t5, 0x5555\nsw t5, 0(t6)';

/** Ends the run with a failure code through the test finisher. Clobbers t5 and t6. */
export function failWith(code: number): string {
  return `li t6, 0x100000\nli t5, ${((code << 16) | 0x3333) >>> 0}\nsw t5, 0(t6)`;
}

export interface AsmOptions {
  /** Run translated blocks (default true) or interpret every instruction. */
  blocks?: boolean;
  /** Guest RAM; default 16 MiB (enough for a 4 MiB superpage above the program). */
  memSize?: number;
  /** Console input bytes. */
  input?: Uint8Array | string;
  /** ELF symbols, e.g. { tohost: 0x80001000 } for HTIF. */
  symbols?: Record<string, number>;
  /** Instruction-attempt budget of runAsm; default one million. */
  budget?: number;
  nsPerInsn?: number;
}

export interface AsmRun {
  machine: Machine;
  hart: Hart;
  console: BufferConsole;
  words: Uint32Array;
  outcome: RunOutcome | null;
}

export function asmMachine(source: string, options: AsmOptions = {}): Omit<AsmRun, 'outcome'> {
  const words = assemble(source, { base: TEST_BASE });
  const input = typeof options.input === 'string' ? new TextEncoder().encode(options.input) : options.input;
  const console = new BufferConsole(input);
  const machine = new Machine({
    image: buildTestElf(words, { symbols: options.symbols }),
    console,
    memSize: options.memSize ?? 16 * 1024 * 1024,
    nsPerInsn: options.nsPerInsn,
  });
  machine.hart.blocksEnabled = options.blocks ?? true;
  return { machine, hart: machine.hart, console, words };
}

/** Assembles, loads and runs a program until it ends or the budget runs out. */
export function runAsm(source: string, options: AsmOptions = {}): AsmRun {
  const m = asmMachine(source, options);
  const outcome = m.machine.run(options.budget ?? 1_000_000);
  return { ...m, outcome };
}

/** A register's value as an unsigned 32-bit number. */
export function reg(hart: Hart, name: string): number {
  const n = registerNumber(name);
  if (n === undefined) throw new Error(`no register ${name}`);
  return hart.x[n]! >>> 0;
}

/** A 32-bit word of guest RAM at physical address `pa`, unsigned. */
export function ramWord(machine: Machine, pa: number): number {
  const ram = machine.bus.ram;
  return ram.i32[(pa - ram.base) >>> 2]! >>> 0;
}

export function setRamWord(machine: Machine, pa: number, value: number): void {
  const ram = machine.bus.ram;
  ram.i32[(pa - ram.base) >>> 2] = value;
}

/** The two engines every architectural test runs under; they must agree. */
export const MODES = [
  { name: 'blocks enabled', blocks: true },
  { name: 'interpreter', blocks: false },
] as const;

/** The address of `label` in `source` (assembled at 0x80000000). */
export function addressOf(source: string, label: string): number {
  const words = assemble(`${source}\n.word ${label}`);
  return words[words.length - 1]!;
}
