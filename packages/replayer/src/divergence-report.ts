import { ACCESS_FETCH } from '@hvrr/mmu';
import { disassemble } from '@hvrr/cpu';
import { MemorySink } from '@hvrr/events';
import { Machine } from '@hvrr/machine';
import { buildMachine, runConfigOf, type InputLog } from '@hvrr/recorder';
import { formatEvent, type InsnEvent } from './event-format.js';
import { inputArrivals } from './input-feed.js';
import { ReplayConsole, type InputPosition } from './replay-console.js';
import type { TraceReader } from './trace-reader.js';
import type { Mismatch } from './verifier.js';

export interface DivergenceReport {
  /** Instruction count where replay and trace part. */
  icount: number;
  pc: number | null;
  disassembly: string | null;
  reason: string;
  expected: string;
  actual: string;
  /** Up to 16 instructions retired just before the divergence, oldest first. */
  lastInstructions: InsnEvent[];
  /** The console input being consumed at the time. */
  input: string;
  /** The last instruction count where a state hash still matched. */
  verifiedTo: number;
}

const HISTORY = 16;

/**
 * Explains a mismatch. The replay that found it kept no history, so the last
 * instructions are recovered by running the trace again from its header (same
 * inputs, same machine) to just before the divergence and logging the rest with an
 * instruction-logging sink; a run is deterministic, so this is the same execution.
 */
export function divergenceReport(reader: TraceReader, mismatch: Mismatch, verifiedTo: number, input: InputPosition, attemptsCap: number): DivergenceReport {
  const K = mismatch.icount;
  const rerun = rerunTo(reader, K, attemptsCap);
  let pc: number | null = null;
  let raw: number | null = null;
  if (mismatch.kind === 'insn' && mismatch.actual?.type === 'insn') {
    pc = mismatch.actual.pc;
    raw = mismatch.actual.raw;
  } else if (rerun !== null) {
    pc = rerun.pc;
    raw = rerun.raw;
  }
  const last = (rerun?.rows ?? []).filter((r) => r.icount < K).slice(-HISTORY);
  return {
    icount: K,
    pc,
    disassembly: pc !== null && raw !== null ? disassemble(raw, pc) : null,
    reason: reasonOf(mismatch),
    expected: mismatch.expected ? formatEvent(mismatch.expected) : '(nothing: the trace holds no more)',
    actual: mismatch.actual ? formatEvent(mismatch.actual) : '(nothing: the replay ended first)',
    lastInstructions: last,
    input: describeInput(input),
    verifiedTo,
  };
}

function reasonOf(m: Mismatch): string {
  switch (m.kind) {
    case 'insn':
      return `instruction ${m.fields?.join(', ') ?? 'row'} differ${m.fields?.length === 1 ? 's' : ''}`;
    case 'extra':
      return 'the replay produced an event the trace does not hold';
    case 'missing':
      return 'the replay ended before reproducing everything the trace holds';
    case 'event':
      if (m.expected?.type === 'hash' && m.actual?.type === 'hash') return 'the machine state differs (state hash mismatch)';
      if (m.expected?.type !== m.actual?.type) return `a different event happened (${m.expected?.type} expected, ${m.actual?.type} seen)`;
      return `the ${m.actual?.type} event differs`;
  }
}

function describeInput(p: InputPosition): string {
  if (p.arrival === null) return 'none (no console input had been released to the guest)';
  const a = p.arrival;
  const text = formatEvent(a).replace(/^#\d+ input console /, '');
  return `console arrival at instruction ${a.icount}, ${text}: ${p.consumed} of ${a.bytes.length} bytes read; ${p.pending} byte(s) unread in all`;
}

interface Rerun {
  rows: InsnEvent[];
  pc: number;
  raw: number | null;
}

/** Re-executes the trace to instruction `target`, logging the last instructions before it. */
function rerunTo(reader: TraceReader, target: number, attemptsCap: number): Rerun | null {
  try {
    let polls = 0;
    const log: InputLog = { poll: () => ++polls, input: () => {} };
    const console = new ReplayConsole(inputArrivals(reader.events()), log, null);
    const m = buildMachine(runConfigOf(reader.header), console).machine;
    const cap = attemptsCap + 64;
    const runTo = (icount: number) => {
      while (m.hart.icount < icount && m.hart.attempts < cap && m.run(Math.min(icount - m.hart.icount, cap - m.hart.attempts)) === null);
    };
    runTo(Math.max(0, target - HISTORY));
    const sink = new MemorySink(true, false);
    m.attachSink(sink);
    runTo(target);
    m.attachSink(null);
    const rows: InsnEvent[] = [];
    for (const b of sink.batches)
      for (let i = 0; i < b.pc.length; i++) {
        const e: InsnEvent = { type: 'insn', icount: b.firstIcount + i, pc: b.pc[i]!, raw: b.raw[i]!, rdValue: (b.raw[i]! >>> 7) & 31 ? b.rdValue[i]! : 0 };
        if (b.flags[i]! & 1) e.store = { addr: b.storeAddr[i]!, value: b.storeValue[i]!, size: b.flags[i]! >>> 1 };
        rows.push(e);
      }
    const pc = m.hart.pc;
    const pa = m.hart.translate(pc, ACCESS_FETCH);
    const off = pa >= 0 ? m.bus.ram.offsetOf(pa) : -1;
    return { rows, pc, raw: off >= 0 && (off & 3) === 0 ? m.bus.ram.i32[off >>> 2]! : null };
  } catch {
    return null;
  }
}

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/** The report as the CLI prints it. */
export function formatDivergenceReport(r: DivergenceReport): string {
  const lines = [
    `hvrr: replay diverged at instruction ${r.icount}: ${r.reason}`,
    `  pc:       ${r.pc === null ? 'unknown' : `${hex(r.pc)}  ${r.disassembly ?? ''}`}`,
    `  expected: ${r.expected}`,
    `  actual:   ${r.actual}`,
    `  input:    ${r.input}`,
    `  verified: state hashes matched up to instruction ${r.verifiedTo}`,
  ];
  if (r.lastInstructions.length > 0) {
    lines.push(`  last ${r.lastInstructions.length} instructions before it:`);
    for (const e of r.lastInstructions) lines.push(`    ${formatEvent(e)}`);
  }
  return lines.join('\n');
}
