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

export const PACKET_SIZE = 0x4000;
export const PAST_IS_READ_ONLY = "the past can't be changed: this is a recording";
/** Error reply for memory that the current translation does not map (gdb prints "Cannot access memory"). */
export const E_UNMAPPED = 'E14';
const E_BAD_ARGS = 'E01';
const E_READ_ONLY = `E.${PAST_IS_READ_ONLY}`;
const PAGE = 4096;

export type StubAction =
  | { kind: 'reply'; data: string; noAckAfter?: boolean }
  | { kind: 'run'; direction: Direction; mode: 'step' | 'continue' }
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
        const v = readRegister(this.engine.hart, n, this.csrSet);
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
        return { kind: 'run', direction: 'forward', mode: 'continue' };
      case 's':
        return { kind: 'run', direction: 'forward', mode: 'step' };
      case 'C':
      case 'S':
        return { kind: 'run', direction: 'forward', mode: c === 'S' ? 'step' : 'continue' };
      case 'b':
        if (packet === 'bc') return { kind: 'run', direction: 'reverse', mode: 'continue' };
        if (packet === 'bs') return { kind: 'run', direction: 'reverse', mode: 'step' };
        return reply('');
      case 'Z':
      case 'z':
        return reply(this.breakOrWatch(packet));
      case 'H':
        return reply('OK');
      case 'T':
        return reply(packet === 'T1' || packet === 'Tp1.1' ? 'OK' : 'E01');
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
    if (packet === 'qfThreadInfo') return reply('m1');
    if (packet === 'qsThreadInfo') return reply('l');
    if (packet === 'qC') return reply('QC1');
    if (packet === 'qSymbol::') return reply('OK');
    if (packet.startsWith('qRcmd,')) {
      const text = monitorCommand(this.engine, hexToText(packet.slice(6)), this.vm());
      return reply(text === '' ? 'OK' : textToHex(text));
    }
    return reply('');
  }

  private vPacket(packet: string): StubAction {
    const reply = (data: string): StubAction => ({ kind: 'reply', data });
    if (packet === 'vCont?') return reply('vCont;c;C;s;S');
    if (packet.startsWith('vCont;')) {
      // Actions apply to the first thread they name or to all; hvrr has one thread, so the first action decides.
      const action = packet.slice(6).split(';')[0]!.split(':')[0]!;
      const verb = action[0];
      if (verb === 'c' || verb === 'C') return { kind: 'run', direction: 'forward', mode: 'continue' };
      if (verb === 's' || verb === 'S') return { kind: 'run', direction: 'forward', mode: 'step' };
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
    for (let r = 0; r < G_PACKET_REGS; r++) s += le32Hex(readRegister(this.engine.hart, r, this.csrSet)!);
    return s;
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
      const bytes = this.engine.readMemory(at, n, 'virtual');
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
      if (insert && i < 0) this.watches.push({ type, addr, len: kind, kind: WATCH_KINDS[type], space: 'virtual' });
      if (!insert && i >= 0) this.watches.splice(i, 1);
      return 'OK';
    }
    return '';
  }

  /** Runs a resume action to its stop and returns the stop reply. */
  async resume(direction: Direction, mode: 'step' | 'continue', interrupted: () => boolean): Promise<string> {
    const e = this.engine;
    let stop: StopInfo;
    if (mode === 'step') stop = direction === 'forward' ? e.step(1) : e.stepBack(1);
    else {
      stop = await runUntilStop(e, direction, { breakpoints: this.breakpoints, watchpoints: this.watches.map(({ addr, len, kind, space }) => ({ addr, len, kind, space })) }, { interrupted });
      if (stop.reason === 'watchpoint') stop = this.positionForGdb(stop, direction);
    }
    this.lastStop = stop;
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
  private positionForGdb(stop: StopInfo, direction: Direction): StopInfo {
    const moved = direction === 'forward' ? this.engine.stepBack(1) : this.engine.step(1);
    if (moved.reason !== 'step') return stop.icount === this.engine.icount ? stop : { ...stop, icount: this.engine.icount, pc: this.engine.hart.pc };
    return { ...stop, icount: moved.icount, pc: moved.pc };
  }

  stopReply(stop: StopInfo): string {
    const thread = 'thread:1;';
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
