/**
 * The packet-level behaviour of hvrr's gdb server: one packet in, the reply out. It knows
 * nothing about sockets; gdb-server.ts moves bytes. Resuming packets (c, s, vCont, bc,
 * bs) return a `run` action: the server runs it (in slices, interruptible) with `resume`
 * and sends the stop reply. The recording cannot be changed, so every write packet is
 * refused with a message that says why.
 */
import { monitorCommand } from './monitor-commands.js';
import type { DebugEngine, StopInfo, Watchpoint } from './engine.js';
import { shownCsrNumbers } from './csr-values.js';
import { bytesToHex, hexToText, le32Hex, parseHexNumber, textToHex } from './hex.js';
import { runUntilStop, type Direction } from './run-control.js';
import { escapeBinary } from './rsp-framing.js';
import { G_PACKET_REGS, readRegister, targetXml } from './target-description.js';
import { vmListText, vmThreadName, vmWhereText } from './vm-describe.js';
import { VmViewEngine, vmCount } from './vm-view-engine.js';

/**
 * Threads (hypervisor traces): thread 1 is the machine (the hart as it is), thread N + 2
 * is VM N's vCPU. Bare and firmware traces have thread 1 alone.
 */
export const MACHINE_THREAD = 1;
export const vmThread = (vm: number): number => vm + 2;

export const PACKET_SIZE = 0x4000;
export const PAST_IS_READ_ONLY = "the past can't be changed: this is a recording";
/** Error reply for memory that the current translation does not map (gdb prints "Cannot access memory"). */
export const E_UNMAPPED = 'E14';
const E_BAD_ARGS = 'E01';
const E_READ_ONLY = `E.${PAST_IS_READ_ONLY}`;
const PAGE = 4096;

export type StubAction =
  | { kind: 'reply'; data: string; noAckAfter?: boolean }
  | { kind: 'run'; direction: Direction; mode: 'step' | 'continue'; thread?: number }
  | { kind: 'detach' }
  | { kind: 'kill' };

interface WatchEntry extends Watchpoint {
  type: 2 | 3 | 4;
}

const WATCH_KINDS = { 2: 'write', 3: 'read', 4: 'access' } as const;
const STOP_KEY = { write: 'watch', read: 'rwatch', access: 'awatch' } as const;

export class GdbStub {
  private readonly softBreaks = new Set<number>();
  private readonly hardBreaks = new Set<number>();
  private readonly watches: WatchEntry[] = [];
  private readonly csrNumbers: number[];
  private readonly csrSet: Set<number>;
  private readonly xml: string;
  private lastStop: StopInfo;
  /** Hg: whose registers and memory g/p/m read. Hc: what s/c/bs/bc resume (0: not set). */
  private gThread = MACHINE_THREAD;
  private cThread = 0;
  private lastStopThread = MACHINE_THREAD;
  private readonly vms: number;
  private readonly views = new Map<number, VmViewEngine>();

  /** `note` receives lines for the server's own log (refused writes, interrupts). */
  constructor(
    readonly engine: DebugEngine,
    private readonly note: (line: string) => void = () => {},
    /** The VM running at the current position (hypervisor traces), for `monitor where`. */
    private readonly vm: () => string | undefined = () => undefined,
  ) {
    this.csrNumbers = shownCsrNumbers(engine.hart);
    this.csrSet = new Set(this.csrNumbers);
    this.xml = targetXml(this.csrNumbers);
    this.lastStop = { reason: 'step', icount: engine.icount, pc: engine.hart.pc };
    this.vms = vmCount(engine);
    this.lastStopThread = this.runningThread();
    // gdb starts in the thread of the first stop reply (`?`) and may read registers before any Hg.
    this.gThread = this.lastStopThread;
  }

  /** The engine a thread reads and moves: the machine, or a VM's view. */
  private viewFor(thread: number): DebugEngine {
    const vm = thread - 2;
    if (vm < 0 || vm >= this.vms) return this.engine;
    let v = this.views.get(vm);
    if (v === undefined) this.views.set(vm, (v = new VmViewEngine(this.engine, vm)));
    return v;
  }

  private validThread(t: number): boolean {
    return t === MACHINE_THREAD || (t >= 2 && t - 2 < this.vms);
  }

  /** The thread of the VM on the hart (the machine's when none runs or there are no VMs). */
  private runningThread(): number {
    const vm = this.vms > 0 ? (this.engine.runningVm?.() ?? null) : null;
    return vm === null ? MACHINE_THREAD : vmThread(vm);
  }

  /** The VM selected with Hg (gdb's `thread N`) or `monitor vm`, or null for the machine. */
  get selectedVm(): number | null {
    return this.gThread >= 2 ? this.gThread - 2 : null;
  }

  get breakpoints(): Set<number> {
    return new Set([...this.softBreaks, ...this.hardBreaks]);
  }

  handle(packet: string): StubAction {
    const reply = (data: string): StubAction => ({ kind: 'reply', data });
    const c = packet[0];
    switch (c) {
      case '?':
        return reply(this.stopReply(this.lastStop));
      case 'g':
        return reply(this.readAllRegisters());
      case 'p': {
        const n = parseHexNumber(packet.slice(1));
        if (n === null) return reply(E_BAD_ARGS);
        const v = readRegister(this.viewFor(this.gThread).hart, n, this.csrSet);
        return reply(v === null ? E_BAD_ARGS : le32Hex(v));
      }
      case 'm':
        return reply(this.readMemory(packet.slice(1)));
      case 'G':
      case 'P':
      case 'M':
      case 'X':
        this.note(`refused '${c}' (${c === 'G' || c === 'P' ? 'register' : 'memory'} write): ${PAST_IS_READ_ONLY}`);
        return reply(E_READ_ONLY);
      case 'c':
        return this.run('forward', 'continue');
      case 's':
        return this.run('forward', 'step');
      case 'C':
      case 'S':
        return this.run('forward', c === 'S' ? 'step' : 'continue');
      case 'b':
        if (packet === 'bc') return this.run('reverse', 'continue');
        if (packet === 'bs') return this.run('reverse', 'step');
        return reply('');
      case 'Z':
      case 'z':
        return reply(this.breakOrWatch(packet));
      case 'H':
        return reply(this.setThread(packet));
      case 'T': {
        const t = threadId(packet.slice(1));
        return reply(t !== null && this.validThread(t) ? 'OK' : 'E01');
      }
      case 'D':
        return { kind: 'detach' };
      case 'k':
        return { kind: 'kill' };
      case 'q':
      case 'Q':
        return this.query(packet);
      case 'v':
        return this.vPacket(packet);
      default:
        return reply('');
    }
  }

  private query(packet: string): StubAction {
    const reply = (data: string): StubAction => ({ kind: 'reply', data });
    if (packet.startsWith('qSupported'))
      return reply(`PacketSize=${PACKET_SIZE.toString(16)};qXfer:features:read+;ReverseStep+;ReverseContinue+;QStartNoAckMode+;vContSupported+;swbreak+;hwbreak+`);
    if (packet === 'QStartNoAckMode') return { kind: 'reply', data: 'OK', noAckAfter: true };
    if (packet.startsWith('qXfer:features:read:')) return reply(this.features(packet.slice('qXfer:features:read:'.length)));
    if (packet === 'qAttached' || packet.startsWith('qAttached:')) return reply('1');
    if (packet === 'qfThreadInfo') return reply('m' + [MACHINE_THREAD, ...Array.from({ length: this.vms }, (_, i) => vmThread(i))].map((t) => t.toString(16)).join(','));
    if (packet === 'qsThreadInfo') return reply('l');
    if (packet === 'qC') return reply(`QC${this.lastStopThread.toString(16)}`);
    if (packet.startsWith('qThreadExtraInfo,')) {
      const t = threadId(packet.slice('qThreadExtraInfo,'.length));
      if (t === null || !this.validThread(t)) return reply(E_BAD_ARGS);
      return reply(textToHex(this.threadName(t)));
    }
    if (packet === 'qSymbol::') return reply('OK');
    if (packet.startsWith('qRcmd,')) {
      const text = this.monitor(hexToText(packet.slice(6)));
      return reply(text === '' ? 'OK' : textToHex(text));
    }
    return reply('');
  }

  private vPacket(packet: string): StubAction {
    const reply = (data: string): StubAction => ({ kind: 'reply', data });
    if (packet === 'vCont?') return reply('vCont;c;C;s;S');
    if (packet.startsWith('vCont;')) {
      // One time line: the first action decides. `s:T` steps in thread T (a VM: its next
      // instruction); `c:T` continues in T alone (scheduler-locking); a bare `c` is the machine's.
      const [action, thread] = packet.slice(6).split(';')[0]!.split(':');
      const verb = action![0];
      const t = thread !== undefined ? threadId(thread) : null;
      if (verb === 'c' || verb === 'C') return this.run('forward', 'continue', t ?? undefined);
      if (verb === 's' || verb === 'S') return this.run('forward', 'step', t ?? undefined);
      return reply(E_BAD_ARGS);
    }
    return reply('');
  }

  private features(args: string): string {
    const m = /^([^:]+):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(args);
    if (!m) return E_BAD_ARGS;
    if (m[1] !== 'target.xml') return 'E00';
    const offset = parseInt(m[2]!, 16);
    const length = parseInt(m[3]!, 16);
    const part = this.xml.slice(offset, offset + length);
    return (offset + length >= this.xml.length ? 'l' : 'm') + escapeBinary(part);
  }

  private readAllRegisters(): string {
    let s = '';
    const hart = this.viewFor(this.gThread).hart;
    for (let r = 0; r < G_PACKET_REGS; r++) s += le32Hex(readRegister(hart, r, this.csrSet)!);
    return s;
  }

  /** A resume; its thread: the one named, else Hc's, else (steps) Hg's or (continues) the machine. */
  private run(direction: Direction, mode: 'step' | 'continue', named?: number): StubAction {
    let thread = named !== undefined && this.validThread(named) ? named : this.cThread > 0 ? this.cThread : mode === 'step' ? this.gThread : MACHINE_THREAD;
    if (!this.validThread(thread)) thread = MACHINE_THREAD;
    return { kind: 'run', direction, mode, thread };
  }

  /** Hg/Hc: 0 (any) and -1 (all) keep the current choice. */
  private setThread(packet: string): string {
    const op = packet[1];
    const t = threadId(packet.slice(2));
    if ((op !== 'g' && op !== 'c') || t === null) return E_BAD_ARGS;
    if (t <= 0) {
      if (op === 'c') this.cThread = 0;
      return 'OK';
    }
    if (!this.validThread(t)) return 'E02';
    if (op === 'g') this.gThread = t;
    else this.cThread = t;
    return 'OK';
  }

  private threadName(t: number): string {
    if (t === MACHINE_THREAD) {
      if (this.vms === 0) return 'hart';
      const vm = this.engine.runningVm?.() ?? null;
      return `machine (${vm === null ? 'no VM running' : `vm${vm} on the hart`})`;
    }
    return vmThreadName(this.engine, t - 2);
  }

  /** monitor: `vm`, `vm N|machine` and (hypervisor traces) `where` here; the rest in monitor-commands.ts, on the selected view. */
  private monitor(line: string): string {
    const [cmd, ...args] = line.trim().split(/\s+/);
    if (this.vms > 0 && cmd === 'vm') {
      if (args.length === 0) return vmListText(this.engine, this.selectedVm) + '\n';
      const a = args[0]!.replace(/^vm/, '');
      if (a === 'machine' || a === 'm') {
        this.gThread = MACHINE_THREAD;
        this.cThread = MACHINE_THREAD;
        return `looking at the machine (thread ${MACHINE_THREAD})\n`;
      }
      const n = Number(a);
      if (!Number.isInteger(n) || n < 0 || n >= this.vms) return `no vm '${args[0]}': vm0..vm${this.vms - 1} or machine\n`;
      this.gThread = vmThread(n);
      this.cThread = vmThread(n);
      return `looking at vm${n} (thread ${vmThread(n)}); gdb's own thread stays as it is: use thread ${vmThread(n)} there too\n`;
    }
    if (this.vms > 0 && cmd === 'where') return vmWhereText(this.engine, this.selectedVm) + '\n';
    return monitorCommand(this.viewFor(this.gThread), line, this.vm());
  }

  /** `m addr,len`: reads through the current translation a page at a time, so a read that runs into an unmapped page returns the mapped part. */
  private readMemory(args: string): string {
    const [a, l] = args.split(',');
    const addr = parseHexNumber(a ?? '');
    const len = parseHexNumber(l ?? '');
    if (addr === null || len === null) return E_BAD_ARGS;
    const total = Math.min(len, PACKET_SIZE / 2 - 8);
    let out = '';
    let done = 0;
    while (done < total) {
      const at = (addr + done) >>> 0;
      const n = Math.min(total - done, PAGE - (at % PAGE));
      const bytes = this.viewFor(this.gThread).readMemory(at, n, 'virtual');
      if (bytes === null) break;
      out += bytesToHex(bytes);
      done += n;
    }
    return done === 0 && total > 0 ? E_UNMAPPED : out;
  }

  private breakOrWatch(packet: string): string {
    const insert = packet[0] === 'Z';
    const parts = packet.slice(1).split(';')[0]!.split(',');
    const type = Number(parts[0]);
    const addr = parseHexNumber(parts[1] ?? '');
    const kind = parseHexNumber(parts[2] ?? '');
    if (addr === null || kind === null || !Number.isInteger(type)) return E_BAD_ARGS;
    if (type === 0 || type === 1) {
      const set = type === 0 ? this.softBreaks : this.hardBreaks;
      if (insert) set.add(addr);
      else set.delete(addr);
      return 'OK';
    }
    if (type === 2 || type === 3 || type === 4) {
      const i = this.watches.findIndex((w) => w.type === type && w.addr === addr && w.len === kind);
      // A watch inserted while a VM's thread is selected is an address of that VM (and matches only its accesses).
      const vm = this.selectedVm;
      if (insert && i < 0) this.watches.push({ type, addr, len: kind, kind: WATCH_KINDS[type], space: 'virtual', ...(vm !== null ? { vm } : {}) });
      if (!insert && i >= 0) this.watches.splice(i, 1);
      return 'OK';
    }
    return '';
  }

  /** Runs a resume action to its stop and returns the stop reply. */
  async resume(direction: Direction, mode: 'step' | 'continue', interrupted: () => boolean, thread = MACHINE_THREAD): Promise<string> {
    const e = this.viewFor(thread);
    let stop: StopInfo;
    if (mode === 'step') stop = direction === 'forward' ? e.step(1) : e.stepBack(1);
    else {
      const watchpoints = this.watches.map(({ addr, len, kind, space, vm }) => ({ addr, len, kind, space, ...(vm !== undefined ? { vm } : {}) }));
      stop = await runUntilStop(e, direction, { breakpoints: this.breakpoints, watchpoints }, { interrupted });
      if (stop.reason === 'watchpoint') stop = this.positionForGdb(e, stop, direction);
    }
    this.lastStop = stop;
    // The stop belongs to the VM resumed in; after a machine-wide resume to the VM on the
    // hart (gdb switches to that thread), unless gdb is looking at the machine thread: gdb
    // single-steps RISC-V with a breakpoint and a continue, and waits for the stepping
    // thread to report it.
    this.lastStopThread = thread !== MACHINE_THREAD && e !== this.engine ? thread : this.gThread === MACHINE_THREAD ? MACHINE_THREAD : this.runningThread();
    return this.stopReply(stop);
  }

  /**
   * gdb treats RISC-V watchpoints as firing before the access (the debug spec's timing):
   * on a watchpoint stop it steps over the accessing instruction itself, in the direction
   * of travel, with watchpoints removed, and then compares the watched value. The engine
   * stops after the access going forwards and before it going backwards, so the report
   * is made one instruction earlier in the direction of travel; gdb's own step then lands
   * where the engine stopped (forwards: just after the write; backwards: at the writing
   * instruction, not yet executed).
   */
  private positionForGdb(e: DebugEngine, stop: StopInfo, direction: Direction): StopInfo {
    const moved = direction === 'forward' ? e.stepBack(1) : e.step(1);
    if (moved.reason !== 'step') return stop.icount === e.icount ? stop : { ...stop, icount: e.icount, pc: e.hart.pc };
    return { ...stop, icount: moved.icount, pc: moved.pc };
  }

  stopReply(stop: StopInfo): string {
    const thread = `thread:${this.lastStopThread.toString(16)};`;
    switch (stop.reason) {
      case 'interrupted':
        return `T02${thread}`;
      case 'start':
        return `T05replaylog:begin;${thread}`;
      case 'end':
        return `T05replaylog:end;${thread}`;
      case 'watchpoint': {
        if (stop.watch === undefined) return `T05${thread}`;
        return `T05${STOP_KEY[stop.watch.kind]}:${(stop.watch.addr >>> 0).toString(16)};${thread}`;
      }
      case 'breakpoint': {
        const pc = stop.pc >>> 0;
        const why = this.softBreaks.has(pc) ? 'swbreak:;' : this.hardBreaks.has(pc) ? 'hwbreak:;' : '';
        return `T05${why}${thread}`;
      }
      default:
        return `T05${thread}`;
    }
  }
}

/** A thread id in a packet: hex, -1 for all; null when unreadable. */
function threadId(text: string): number | null {
  if (text === '-1') return -1;
  const t = text.startsWith('p') ? text.split('.').pop()! : text;
  return /^[0-9a-fA-F]+$/.test(t) ? parseInt(t, 16) : null;
}
