/**
 * The REPL's commands over a TimeMachine, independent of the terminal: `execute` takes a
 * line and returns the text to print. Moving commands (continue, reverse-continue) run in
 * slices and stop when `interrupt()` is called (Ctrl-C at the terminal).
 */
import { ABI_NAMES } from '@hvrr/cpu';
import type { DebugEngine, EventKind, StopInfo, Watchpoint } from './engine.js';
import { eventText, csrsText, disassemblyText, eventsNearText, lastWriteText, memoryWordsText, modeName, pageTableText, registersText, whereText } from './describe.js';
import { hex32 } from './hex.js';
import { runUntilStop, type Direction } from './run-control.js';
import { SymbolTable } from './symbols.js';
import { VmViewEngine, vmCount } from './vm-view-engine.js';
import { vmListText, vmWhereText } from './vm-describe.js';

export const REPL_HELP = `commands (numbers are decimal or 0x hex; an ADDR may also be a symbol of the recorded ELF,
such as main or checks+4, or a register such as $sp or $a0+8; addresses are guest-virtual, through the current translation):
  where                      position: icount, mode, pc, guest time
  goto N                     go to instruction count N (forwards or backwards)
  step [N]        (s)        execute N instructions (default 1)
  back [N]        (bs)       go back N instructions (default 1)
  continue [EV..] (c)        run forwards to a breakpoint, watchpoint or the end
  reverse-continue [EV..] (rc)  run backwards to a breakpoint, watchpoint or the start
                             EV: also stop at the next/previous trap, syscall, ptw, irq, exit or hpf
  break ADDR      (b)        stop when pc reaches ADDR
  watch [r|w|a] ADDR[:LEN]   stop on a read, write (default) or any access to LEN bytes (default 4)
  delete [N]      (d)        delete breakpoint/watchpoint N, or all of them
  info                       list breakpoints and watchpoints
  regs                       general registers and pc
  csrs                       control and status registers
  x/N ADDR                   N words of memory from ADDR (x ADDR: 4 words)
  disasm [ADDR] [N]          disassemble N instructions (default: 8 from pc)
  events [N]                 recorded events within N instructions of here (default 100)
  lastwrite ADDR [LEN]       the instruction that last wrote ADDR before here
  pagetable       (pt)       the guest's page table at this instant
  vm [N|machine]             hypervisor traces: look at VM N's vCPU (its registers, memory through its
                             tables, its own instruction counts for goto/step/back) or at the machine;
                             break/watch set in a VM match only that VM; vm alone lists the VMs
  help                       this text
  quit            (q)        leave (Ctrl-D too); Ctrl-C stops a running continue
An empty line repeats step or back.`;

interface BreakEntry {
  id: number;
  kind: 'break';
  addr: number;
  /** Set in VM N's view: matches only while VM N runs. */
  vm?: number;
}
interface WatchEntry {
  id: number;
  kind: 'watch';
  watch: Watchpoint;
}
type StopEntry = BreakEntry | WatchEntry;

export class UsageError extends Error {}

export interface ReplSessionOptions {
  /** The VM running at this position (hypervisor traces), for `where`. */
  vm?: () => string | undefined;
  /** The recorded ELF's symbols: addresses may be given by name, and are shown with one. */
  symbols?: SymbolTable;
}

export const QUIT = Symbol('quit');

export class ReplSession {
  private readonly stops: StopEntry[] = [];
  private nextId = 1;
  private interrupted = false;
  private running = false;
  private lastRepeatable = '';

  private readonly vm: () => string | undefined;
  private readonly symbols: SymbolTable;
  /** What the commands look at and move: the machine, or one VM (`vm N`). */
  private view: DebugEngine;
  private viewVm: number | null = null;

  constructor(
    readonly engine: DebugEngine,
    options: ReplSessionOptions = {},
  ) {
    this.vm = options.vm ?? (() => undefined);
    this.symbols = options.symbols ?? SymbolTable.EMPTY;
    this.view = engine;
  }

  /** "[icount M 0x80000010]" for the prompt; in a VM's view "vm1 ICOUNT VS PC" with the VM's own count. */
  position(): string {
    const h = this.view.hart;
    const pos = `${this.view.icount} ${modeName(h)} ${hex32(h.pc)}`;
    return this.viewVm === null ? pos : `vm${this.viewVm} ${pos}`;
  }

  /** The VM being looked at (null: the machine). */
  get selectedVm(): number | null {
    return this.viewVm;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Asks a running continue or reverse-continue to stop at its next slice. */
  interrupt(): void {
    if (this.running) this.interrupted = true;
  }

  async execute(input: string): Promise<string | typeof QUIT> {
    let line = input.trim();
    if (line === '') {
      if (this.lastRepeatable === '') return '';
      line = this.lastRepeatable;
    }
    try {
      return await this.run(line);
    } catch (e) {
      if (e instanceof UsageError) return e.message;
      throw e;
    }
  }

  private async run(line: string): Promise<string | typeof QUIT> {
    const xMatch = /^x(?:\/(\S+))?(?:\s+(.*))?$/.exec(line);
    const [cmd = '', ...args] = line.split(/\s+/);
    this.lastRepeatable = '';
    if (xMatch && (cmd === 'x' || cmd.startsWith('x/'))) {
      const n = xMatch[1] === undefined ? 4 : parseNumber(xMatch[1].replace(/[wx]+$/, ''), 'word count'); // x/8wx as in gdb
      if (xMatch[2] === undefined) throw new UsageError('usage: x/N ADDR (e.g. x/8 0x80001000)');
      if (n < 1 || n > 4096) throw new UsageError('x/N: N must be between 1 and 4096');
      return memoryWordsText(this.view, this.address(xMatch[2].trim()), n);
    }
    const e = this.view;
    switch (cmd) {
      case 'where':
      case 'w':
        if (vmCount(this.engine) > 0) return vmWhereText(this.engine, this.viewVm);
        return whereText(e, this.vm());
      case 'vm':
        return this.selectVm(args);
      case 'goto':
      case 'g': {
        if (args.length !== 1) throw new UsageError('usage: goto N (an instruction count)');
        const n = parseNumber(args[0]!, 'instruction count');
        if (n > e.endIcount) throw new UsageError(this.viewVm === null ? `the recording ends at instruction ${e.endIcount}` : `vm${this.viewVm} ends at its instruction ${e.endIcount}`);
        return this.describeStop(e.seek(n));
      }
      case 'step':
      case 's':
      case 'si': {
        const n = optionalCount(args);
        this.lastRepeatable = line;
        return this.describeStop(e.step(n));
      }
      case 'back':
      case 'bs': {
        const n = optionalCount(args);
        this.lastRepeatable = line;
        return this.describeStop(e.stepBack(n));
      }
      case 'continue':
      case 'c':
        return this.describeStop(await this.runTo('forward', parseEvents(args)));
      case 'reverse-continue':
      case 'rc':
        return this.describeStop(await this.runTo('reverse', parseEvents(args)));
      case 'break':
      case 'b': {
        if (args.length !== 1) throw new UsageError('usage: break ADDR');
        const addr = this.address(args[0]!);
        const id = this.nextId++;
        const entry: BreakEntry = { id, kind: 'break', addr, ...(this.viewVm !== null ? { vm: this.viewVm } : {}) };
        this.stops.push(entry);
        return this.describeEntry(entry);
      }
      case 'watch':
        return this.addWatch(args);
      case 'delete':
      case 'd': {
        if (args.length === 0) {
          const n = this.stops.length;
          this.stops.length = 0;
          return `deleted ${n} breakpoint${n === 1 ? '' : 's'} and watchpoints`;
        }
        const id = parseNumber(args[0]!, 'breakpoint number');
        const i = this.stops.findIndex((s) => s.id === id);
        if (i < 0) throw new UsageError(`no breakpoint or watchpoint ${id} (see: info)`);
        this.stops.splice(i, 1);
        return `deleted ${id}`;
      }
      case 'info':
        return this.stops.length === 0 ? 'no breakpoints or watchpoints' : this.stops.map((s) => this.describeEntry(s)).join('\n');
      case 'regs':
        return registersText(e.hart);
      case 'csrs':
        return csrsText(e.hart);
      case 'disasm':
      case 'dis': {
        const addr = args[0] !== undefined ? this.address(args[0]) : e.hart.pc >>> 0;
        const n = args[1] !== undefined ? parseNumber(args[1], 'instruction count') : 8;
        if (n < 1 || n > 1024) throw new UsageError('disasm: N must be between 1 and 1024');
        return disassemblyText(e, addr, n, this.symbols);
      }
      case 'events': {
        const n = args[0] !== undefined ? parseNumber(args[0], 'distance') : 100;
        return eventsNearText(e, n);
      }
      case 'lastwrite': {
        if (args.length < 1) throw new UsageError('usage: lastwrite ADDR [LEN]');
        return lastWriteText(e, this.address(args[0]!), args[1] !== undefined ? parseNumber(args[1], 'length') : 4);
      }
      case 'pagetable':
      case 'pt':
        return pageTableText(e);
      case 'help':
      case 'h':
      case '?':
        return REPL_HELP;
      case 'quit':
      case 'q':
      case 'exit':
        return QUIT;
      default:
        throw new UsageError(`unknown command '${cmd}' (type help for the list)`);
    }
  }

  private addWatch(args: string[]): string {
    let kind: Watchpoint['kind'] = 'write';
    let rest = args;
    const k = args[0];
    if (k === 'r' || k === 'w' || k === 'a') {
      kind = k === 'r' ? 'read' : k === 'w' ? 'write' : 'access';
      rest = args.slice(1);
    }
    if (rest.length !== 1) throw new UsageError('usage: watch [r|w|a] ADDR[:LEN]');
    const [a, l] = rest[0]!.split(':');
    const addr = this.address(a!);
    const len = l !== undefined ? parseNumber(l, 'length') : 4;
    if (len < 1 || len > 1 << 20) throw new UsageError('watch: LEN must be between 1 and 1048576');
    const id = this.nextId++;
    const entry: WatchEntry = { id, kind: 'watch', watch: { addr, len, kind, space: 'virtual', ...(this.viewVm !== null ? { vm: this.viewVm } : {}) } };
    this.stops.push(entry);
    return this.describeEntry(entry);
  }

  private async runTo(direction: Direction, events: EventKind[]): Promise<StopInfo> {
    const breaks = this.stops.filter((s): s is BreakEntry => s.kind === 'break');
    let watchpoints = this.stops.filter((s): s is WatchEntry => s.kind === 'watch').map((s) => s.watch);
    // In a VM's view the search is that VM's: its own and the machine-wide entries. In the
    // machine's view a VM's breakpoint matches only while that VM runs.
    const inView = this.viewVm;
    const breakpoints = breaks.filter((b) => b.vm === undefined || b.vm === inView).map((b) => b.addr);
    const vmBreakpoints = inView === null ? breaks.filter((b) => b.vm !== undefined).map((b) => ({ vm: b.vm!, pc: b.addr })) : [];
    if (inView !== null) watchpoints = watchpoints.filter((w) => w.vm === undefined || w.vm === inView);
    this.running = true;
    this.interrupted = false;
    try {
      const c = { breakpoints, watchpoints, ...(vmBreakpoints.length > 0 ? { vmBreakpoints } : {}), ...(events.length > 0 ? { events } : {}) };
      return await runUntilStop(this.view, direction, c, { interrupted: () => this.interrupted });
    } finally {
      this.running = false;
    }
  }

  /** `vm N`, `vm machine`, or `vm` alone (the list). */
  private selectVm(args: string[]): string {
    const n = vmCount(this.engine);
    if (n === 0) throw new UsageError('not a hypervisor trace: there are no VMs (the machine is all there is)');
    if (args.length === 0) return vmListText(this.engine, this.viewVm);
    if (args.length !== 1) throw new UsageError('usage: vm N | vm machine');
    const a = args[0]!.replace(/^vm/, '');
    if (a === 'machine' || a === 'm') {
      this.view = this.engine;
      this.viewVm = null;
      return `looking at the machine (the hart): ${whereText(this.engine, this.vm())}`;
    }
    const id = parseNumber(a, 'VM number');
    if (id >= n) throw new UsageError(`no vm${id}: this trace has ${n} VM${n === 1 ? '' : 's'} (vm0${n > 1 ? `..vm${n - 1}` : ''})`);
    this.view = new VmViewEngine(this.engine, id);
    this.viewVm = id;
    return `looking at vm${id}: ${vmWhereText(this.engine, id)}`;
  }

  private describeStop(stop: StopInfo): string {
    const at = this.viewVm === null ? `icount ${stop.icount}, pc ${hex32(stop.pc)}` : `vm${this.viewVm} icount ${stop.icount} (machine ${stop.machineIcount ?? this.engine.icount}), pc ${hex32(stop.pc)}`;
    let head: string;
    switch (stop.reason) {
      case 'breakpoint': {
        const b = this.stops.find((s) => s.kind === 'break' && s.addr === stop.pc >>> 0);
        head = `breakpoint${b ? ` ${b.id}` : ''} at ${at}`;
        break;
      }
      case 'watchpoint': {
        const w = stop.watch;
        const entry = w && this.stops.find((s) => s.kind === 'watch' && w.addr >= s.watch.addr && w.addr < s.watch.addr + s.watch.len);
        head = `watchpoint${entry ? ` ${entry.id}` : ''}: ${w ? `${w.kind} of ${hex32(w.addr)}` : 'hit'} at ${at}`;
        break;
      }
      case 'start':
        head = `at the start of the recording (${at})`;
        break;
      case 'end':
        head = `at the end of the recording (${at})`;
        break;
      case 'interrupted':
        head = `interrupted at ${at}`;
        break;
      case 'limit':
        head = `stopped at the search limit, ${at}`;
        break;
      case 'event':
        head = `event at ${at}: ${eventText(stop.event)}`;
        break;
      default:
        head = at;
    }
    return `${head}\n${disassemblyText(this.view, this.view.hart.pc >>> 0, 1, this.symbols)}`;
  }

  /** A number, a symbol of the recorded ELF, SYMBOL+OFFSET, or a register as gdb writes it ($sp, $a0+8, $pc, $x2). */
  private address(text: string): number {
    const r = /^\$(\w+)(?:\+(\S+))?$/.exec(text);
    if (r) {
      const name = r[1]!.toLowerCase();
      const hart = this.view.hart;
      const index = name === 'fp' ? 8 : /^x\d+$/.test(name) ? Number(name.slice(1)) : ABI_NAMES.indexOf(name);
      let base: number;
      if (name === 'pc') base = hart.pc;
      else if (index >= 0 && index < 32) base = index === 0 ? 0 : hart.x[index]!;
      else throw new UsageError(`unknown register '$${r[1]}': use $pc, $sp, $a0, $x5...`);
      return (base + (r[2] !== undefined ? parseNumber(r[2], 'offset') : 0)) >>> 0;
    }
    const m = /^([A-Za-z_.][\w.$]*)(?:\+(\S+))?$/.exec(text);
    if (m) {
      const base = this.symbols.lookup(m[1]!);
      if (base === undefined) throw new UsageError(this.symbols.size === 0 ? `bad address '${text}': the recording has no symbols; use a number such as 0x80000000` : `no symbol '${m[1]}' in the recorded ELF`);
      return (base + (m[2] !== undefined ? parseNumber(m[2], 'offset') : 0)) >>> 0;
    }
    return parseAddress(text);
  }

  private label(addr: number): string {
    const name = this.symbols.nameFor(addr);
    return name === undefined ? hex32(addr) : `${hex32(addr)} <${name}>`;
  }

  private describeEntry(s: StopEntry): string {
    if (s.kind === 'break') return `breakpoint ${s.id} at ${this.label(s.addr)}${s.vm !== undefined ? ` in vm${s.vm}` : ''}`;
    const w = s.watch;
    return `watchpoint ${s.id}: ${w.kind} ${this.label(w.addr)}..${hex32(w.addr + w.len - 1)} (${w.len} byte${w.len === 1 ? '' : 's'})${w.vm !== undefined ? ` in vm${w.vm}` : ''}`;
  }
}

const EVENT_KINDS: readonly EventKind[] = ['trap', 'syscall', 'ptw', 'irq', 'exit', 'hpf'];

function parseEvents(args: string[]): EventKind[] {
  for (const a of args) if (!EVENT_KINDS.includes(a as EventKind)) throw new UsageError(`unknown event '${a}': use ${EVENT_KINDS.join(', ')}`);
  return args as EventKind[];
}

function optionalCount(args: string[]): number {
  if (args.length > 1) throw new UsageError('expected at most one count');
  const n = args[0] !== undefined ? parseNumber(args[0], 'count') : 1;
  if (n < 1) throw new UsageError('the count must be at least 1');
  return n;
}

/** A non-negative integer: decimal, 0x hex, with optional _ separators. */
export function parseNumber(text: string, what: string): number {
  const t = text.replace(/_/g, '');
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`bad ${what} '${text}': expected a number such as 42 or 0x2a`);
  return n;
}

export function parseAddress(text: string): number {
  const n = parseNumber(text, 'address');
  if (n > 0xffffffff) throw new UsageError(`bad address '${text}': more than 32 bits`);
  return n;
}
