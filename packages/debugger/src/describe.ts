/**
 * Text views of the engine's state at the current position, shared by the REPL and the
 * gdb server's `monitor` commands: where we are, registers, CSRs, memory, disassembly,
 * events near here and the guest's page table.
 */
import { disassemble, registerName } from '@hvrr/cpu';
import { formatEvent, type ListedEvent } from '@hvrr/replayer';
import { csrLabel, readCsr, shownCsrNumbers } from './csr-values.js';
import type { DebugEngine, HartView } from './engine.js';
import { hex32 } from './hex.js';
import { SymbolTable } from './symbols.js';

/** The 10 MHz timebase of the virt board: one `time` tick is 100 ns. */
const NS_PER_TICK = 100;

export function modeName(hart: HartView): string {
  const base = hart.priv === 3 ? 'M' : hart.priv === 1 ? 'S' : hart.priv === 0 ? 'U' : `priv${hart.priv}`;
  return hart.virt ? `V${base}` : base;
}

/** "icount 1234 of 5678, M-mode, pc 0x80000010, guest time 123 ticks (12.3 µs)". */
export function whereText(engine: DebugEngine, vm?: string): string {
  const h = engine.hart;
  const ticks = h.readTime();
  const parts = [`icount ${engine.icount} of ${engine.endIcount}`, `${modeName(h)}-mode`, `pc ${hex32(h.pc)}`, guestTimeText(ticks)];
  if (vm !== undefined) parts.unshift(`VM ${vm}`);
  return parts.join(', ');
}

/** "guest time 123 ticks (12.300 µs)". */
export function guestTimeText(ticks: number): string {
  return `guest time ${ticks} ticks (${formatNs(ticks * NS_PER_TICK)})`;
}

function formatNs(ns: number): string {
  if (ns < 1000) return `${ns} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(3)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

export function registersText(hart: HartView): string {
  const lines = [`pc   ${hex32(hart.pc)}  mode ${modeName(hart)}`];
  for (let r = 0; r < 32; r += 4) {
    const cells: string[] = [];
    for (let i = r; i < r + 4; i++) cells.push(`${`x${i}`.padStart(3)} ${registerName(i).padEnd(4)} ${hex32(hart.x[i]!)}`);
    lines.push(cells.join('  '));
  }
  return lines.join('\n');
}

export function csrsText(hart: HartView): string {
  const cells = shownCsrNumbers(hart).map((n) => `${csrLabel(n).padEnd(13)} ${hex32(readCsr(hart, n))}`);
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += 3) lines.push(cells.slice(i, i + 3).join('   '));
  return lines.join('\n');
}

/** `x/N ADDR`: N words from a guest-virtual address (through the current translation), 4 to a line. */
export function memoryWordsText(engine: DebugEngine, addr: number, words: number): string {
  const lines: string[] = [];
  for (let i = 0; i < words; i += 4) {
    const at = (addr + i * 4) >>> 0;
    const cells: string[] = [];
    for (let j = i; j < Math.min(words, i + 4); j++) {
      const b = engine.readMemory((addr + j * 4) >>> 0, 4, 'virtual');
      cells.push(b === null ? '(unmapped)' : hex32(b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)));
    }
    lines.push(`${hex32(at)}:  ${cells.join('  ')}`);
  }
  return lines.join('\n');
}

export function disassemblyText(engine: DebugEngine, addr: number, count: number, symbols: SymbolTable = SymbolTable.EMPTY): string {
  const lines: string[] = [];
  const pc = engine.hart.pc >>> 0;
  for (let i = 0; i < count; i++) {
    const at = (addr + i * 4) >>> 0;
    const b = engine.readMemory(at, 4, 'virtual');
    const mark = at === pc ? '=>' : '  ';
    const name = symbols.nameFor(at);
    const where = `${mark} ${hex32(at)}${name !== undefined ? ` <${name}>` : ''}:`;
    if (b === null) {
      lines.push(`${where}  (unmapped)`);
      continue;
    }
    const word = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    lines.push(`${where}  ${word.toString(16).padStart(8, '0')}  ${disassemble(word, at)}`);
  }
  return lines.join('\n');
}

/** Events within `radius` instructions of the current position, the nearest first marked. */
export function eventsNearText(engine: DebugEngine, radius: number): string {
  const from = Math.max(0, engine.icount - radius);
  const to = Math.min(engine.endIcount, engine.icount + radius);
  const events = engine.events(from, to);
  if (events.length === 0) return `no events between instructions ${from} and ${to}`;
  const here = engine.icount;
  const lines = [`events between instructions ${from} and ${to} (here: ${here}):`];
  let marked = false;
  for (const e of events) {
    const at = eventIcount(e);
    if (!marked && at !== null && at >= here) {
      lines.push(`  --- here (${here}) ---`);
      marked = true;
    }
    lines.push('  ' + eventText(e));
  }
  if (!marked) lines.push(`  --- here (${here}) ---`);
  return lines.join('\n');
}

function eventIcount(e: unknown): number | null {
  const n = (e as { icount?: unknown }).icount;
  return typeof n === 'number' ? n : null;
}

export function eventText(e: unknown): string {
  try {
    return formatEvent(e as ListedEvent);
  } catch {
    return JSON.stringify(e, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
  }
}

export function pageTableText(engine: DebugEngine, limit = 256): string {
  const maps = engine.pageTable();
  if (maps.length === 0) return 'no page table: translation is off (satp bare) or nothing is mapped';
  const lines = [`${maps.length} mapping${maps.length === 1 ? '' : 's'} (va -> pa flags):`];
  for (const m of maps.slice(0, limit)) lines.push(`  ${hex32(m.va)} -> ${hex32(m.pa)}  ${m.flags}`);
  if (maps.length > limit) lines.push(`  ... ${maps.length - limit} more`);
  return lines.join('\n');
}

export function lastWriteText(engine: DebugEngine, addr: number, len: number): string {
  const w = engine.lastWrite(addr, len);
  if (w === null) return `${hex32(addr)}: not written before instruction ${engine.icount}`;
  return `${hex32(addr)}: last written by the instruction at ${hex32(w.pc)}, icount ${w.icount}`;
}
