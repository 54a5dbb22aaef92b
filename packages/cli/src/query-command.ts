import type { Command } from 'commander';
import { TimeMachine, TraceError, type Hit } from '@hvrr/replayer';
import { CliError } from './cli-error.js';
import { StdoutLines } from './stdout-lines.js';
import { parseCount } from './parse-options.js';

export interface QueryOptions {
  writes?: string;
  physical?: boolean;
  syscalls?: boolean;
  exits?: string | boolean;
  pageTable?: string;
  from?: string;
  to?: string;
}

/** Instructions searched for a system call's return before it is reported as not returning. */
const RETURN_LIMIT = 50_000_000;
/** Exit status for an unreadable or corrupt trace, as hvrr replay uses. */
const BAD_TRACE = 125;

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** `hvrr query <trace> --writes ADDR[:LEN] | --syscalls | --exits [REASON] | --page-table N`: JSON lines. */
export function queryCommand(path: string, opts: QueryOptions): number {
  const chosen = [opts.writes !== undefined, opts.syscalls === true, opts.exits !== undefined, opts.pageTable !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new CliError('hvrr query needs exactly one of --writes ADDR[:LEN], --syscalls, --exits [REASON], --page-table N');
  let tm: TimeMachine;
  try {
    tm = TimeMachine.open(path);
  } catch (e) {
    if (e instanceof TraceError) {
      process.stderr.write(`hvrr: ${e.message}\n`);
      return BAD_TRACE;
    }
    throw e;
  }
  const out = new StdoutLines();
  const line = (o: unknown) => out.line(JSON.stringify(o));
  try {
    runQuery(tm, opts, line);
  } catch (e) {
    if (e instanceof TraceError) {
      out.flush();
      process.stderr.write(`hvrr: corrupt trace '${path}': ${e.message}\n`);
      return BAD_TRACE;
    }
    throw e;
  } finally {
    tm.close();
  }
  out.flush();
  return 0;
}

/** Answers the query `opts` names on an open time machine, one JSON value per line. */
export function runQuery(tm: TimeMachine, opts: QueryOptions, line: (o: unknown) => void): void {
  const from = opts.from !== undefined ? parseCount(opts.from, '--from') : 0;
  const to = opts.to !== undefined ? parseCount(opts.to, '--to') : tm.endIcount;
  if (opts.writes !== undefined) queryWrites(tm, opts.writes, opts.physical === true, from, to, line);
  else if (opts.syscalls) querySyscalls(tm, from, to, line);
  else if (opts.exits !== undefined) queryExits(tm, typeof opts.exits === 'string' ? opts.exits : null, from, to, line);
  else queryPageTable(tm, parseCount(opts.pageTable!, '--page-table'), line);
}


/** ADDR[:LEN]; ADDR may be a number or a symbol of the recorded ELF (`lookup`). */
export function parseRange(text: string, lookup: (name: string) => number | undefined = () => undefined): { addr: number; len: number } {
  const [a, l] = text.split(':');
  let addr: number;
  if (a !== undefined && /^[A-Za-z_.][\w.$]*$/.test(a)) {
    const found = lookup(a);
    if (found === undefined) throw new CliError(`invalid --writes address '${a}': no such symbol in the recorded ELF`);
    addr = found >>> 0;
  } else addr = parseCount(a ?? '', '--writes address');
  const len = l === undefined ? 4 : parseCount(l, '--writes length');
  if (len < 1) throw new CliError(`invalid --writes length in '${text}': at least 1`);
  return { addr, len };
}

/** Every store (and host write) that touches the range, in order. */
function queryWrites(tm: TimeMachine, range: string, physical: boolean, from: number, to: number, line: (o: unknown) => void): void {
  const { addr, len } = parseRange(range, (name) => tm.machine.elf?.symbol(name));
  tm.scan({ watchpoints: [{ addr, len, kind: 'write', space: physical ? 'physical' : 'virtual' }] }, from, to, (h: Hit) => {
    const a = h.access;
    line({
      icount: h.icount,
      pc: h.event !== undefined ? null : h.pc >>> 0,
      by: h.event !== undefined ? 'host' : 'store',
      addr: a?.addr ?? h.watch?.addr,
      size: a?.size,
      value: a?.value ?? null,
    });
  });
}

/**
 * Every system call (ecall from U): number (a7), arguments (a0-a5), and the result a0
 * holds when the same address space (satp) next runs the instruction after the ecall
 * in U-mode; null when it never returns (exit, or the trace ends first).
 */
function querySyscalls(tm: TimeMachine, from: number, to: number, line: (o: unknown) => void): void {
  tm.seek(from);
  for (;;) {
    const s = tm.continue({ events: ['syscall'] });
    if (s.reason !== 'event' || s.icount > to) return;
    const hart = tm.hart;
    const epc = hart.csr[0x141]! >>> 0; // sepc
    const satp = hart.csr[0x180]!;
    const x = hart.x;
    const call = { icount: s.icount, pc: epc, satp: hex(satp), number: x[17]!, args: Array.from(x.subarray(10, 16)) };
    const at = tm.position();
    let result: number | null = null;
    let returnedAt: number | null = null;
    const limitAt = at.icount + RETURN_LIMIT;
    for (;;) {
      const r = tm.continue({ breakpoints: [(epc + 4) >>> 0] }, { limit: Math.max(1, limitAt - tm.icount) });
      if (r.reason !== 'breakpoint') break;
      if (tm.hart.priv === 0 && tm.hart.csr[0x180] === satp) {
        result = tm.hart.x[10]!;
        returnedAt = tm.icount;
        break;
      }
    }
    line({ ...call, result, returnedAt });
    // Back to just after the call, to look for the next one from there.
    tm.goTo(at);
  }
}

/** Every VM exit (of one reason), as the machine emits them. */
function queryExits(tm: TimeMachine, reason: string | null, from: number, to: number, line: (o: unknown) => void): void {
  tm.scan({ events: ['exit'] }, from, to, (h: Hit) => {
    const e = h.event as { reason?: string } | undefined;
    if (e !== undefined && (reason === null || e.reason === reason)) line(e);
  });
}

/** The guest's mappings at instruction count n. */
function queryPageTable(tm: TimeMachine, n: number, line: (o: unknown) => void): void {
  tm.seek(n);
  line({ icount: tm.icount, satp: hex(tm.hart.csr[0x180]!), priv: tm.hart.priv });
  for (const m of tm.pageTable()) line({ va: hex(m.va), pa: hex(m.pa), size: m.size, flags: m.flags });
}

/** Registers `hvrr query` on the program (main.ts adds it with one line). */
export function addQueryCommand(program: Command): void {
  program
    .command('query')
    .description('answer questions about a trace by re-executing it, as JSON lines')
    .argument('<trace>', 'the .hvrr trace')
    .option('--writes <addr[:len]>', 'every write to the range (default length 4; ADDR a number or a symbol of the recorded ELF): icount, pc, address, size, value')
    .option('--physical', 'with --writes: the address is physical (default: guest-virtual, translated at each store)')
    .option('--syscalls', 'every system call (ecall from U): number, arguments, result')
    .option('--exits [reason]', 'every VM exit (of that reason)')
    .option('--page-table <n>', 'the guest\'s page table at instruction count n')
    .option('--from <n>', 'only from instruction count n')
    .option('--to <m>', 'only up to instruction count m')
    .addHelpText('after', '\nExamples:\n  hvrr query t.hvrr --writes 0x80001000:8\n  hvrr query t.hvrr --syscalls | jq .number\n  hvrr query t.hvrr --page-table 1500000')
    .action((trace: string, opts: QueryOptions) => {
      process.exitCode = queryCommand(trace, opts);
    });
}
