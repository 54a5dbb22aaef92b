// Record → replay across packages: random programs with timer interrupts, traps and
// console input at random trace levels replay exactly (every event, every row at
// full, the final state hash) and fold to the same state; recording does not change
// the run; tampered traces are caught with the place named.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '@hvrr/cpu';
import { BufferConsole, Machine, type ConsoleIO } from '@hvrr/machine';
import {
  CHUNK_EVENTS,
  CHUNK_HEADER_SIZE,
  encodeChunk,
  loadedRanges,
  machineState,
  MemoryOutput,
  packValue,
  RamHasher,
  Recorder,
  runConfig,
  stateHash,
  TraceWriter,
  type InputEvent,
  type TraceLevel,
} from '@hvrr/recorder';
import { foldTrace, formatEvent, Replayer, TraceError, TraceReader, type ReplayResult } from '@hvrr/replayer';
import { ensureBuilt, hvrr, REPO_ROOT } from './support/hvrr-cli.js';
import { buildTestElf, TEST_BASE } from './support/test-elf.js';

const MEM = 1024 * 1024;
const DATA = 0x80040000;
const COUNTER = 0x80041000;

/** Console input that "arrives" once the guest has retired a given number of instructions. */
class TimedConsole implements ConsoleIO {
  out: number[] = [];
  private queue: number[] = [];
  private next = 0;
  icount: () => number = () => 0;
  constructor(private readonly schedule: { at: number; bytes: number[] }[]) {}
  private arrive(): void {
    while (this.next < this.schedule.length && this.schedule[this.next]!.at <= this.icount()) this.queue.push(...this.schedule[this.next++]!.bytes);
  }
  write(b: number): void {
    this.out.push(b);
  }
  hasInput(): boolean {
    this.arrive();
    return this.queue.length > 0;
  }
  read(): number {
    this.arrive();
    return this.queue.length > 0 ? this.queue.shift()! : -1;
  }
}

// ------------------------------------------------------------ random programs

/** Registers the random body uses; x5-x7 are address temporaries, x8/x9/x18 and x28-x31 are reserved. */
const REGS = [10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 21];
const reg = fc.constantFrom(...REGS);
const R_OPS = ['add', 'sub', 'xor', 'or', 'and', 'sll', 'srl', 'sra', 'slt', 'sltu', 'mul', 'mulh', 'mulhu', 'div', 'divu', 'rem', 'remu'];

const stmt: fc.Arbitrary<(label: string) => string> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...R_OPS), reg, reg, reg).map(([op, d, a, b]) => () => `${op} x${d}, x${a}, x${b}`) },
  { weight: 4, arbitrary: fc.tuple(reg, reg, fc.integer({ min: -2048, max: 2047 })).map(([d, a, i]) => () => `addi x${d}, x${a}, ${i}`) },
  { weight: 1, arbitrary: fc.tuple(reg, fc.integer({ min: 0, max: 0xfffff })).map(([d, i]) => () => `lui x${d}, ${i}`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('sw', 'sh', 'sb'), reg, fc.integer({ min: 0, max: 255 })).map(([op, r, o]) => () => `${op} x${r}, ${o * 4}(x8)`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('lw', 'lh', 'lhu', 'lb', 'lbu'), reg, fc.integer({ min: 0, max: 255 })).map(([op, r, o]) => () => `${op} x${r}, ${o * 4}(x8)`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('amoadd.w', 'amoswap.w', 'amoxor.w', 'amomaxu.w'), reg, reg).map(([op, d, s]) => () => `${op} x${d}, x${s}, (x8)`) },
  { weight: 1, arbitrary: fc.tuple(reg, reg).map(([d, s]) => () => `lr.w x${d}, (x8)\nsc.w x${d}, x${s}, (x8)`) },
  // Console: poll the UART's line status, read the data register, keep the byte.
  { weight: 2, arbitrary: fc.tuple(reg, reg, fc.integer({ min: 0, max: 255 })).map(([a, b, o]) => () => `li x5, 0x10000000\nlbu x${a}, 5(x5)\nlbu x${b}, 0(x5)\nsb x${b}, ${o}(x8)`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('mcycle', 'minstret', 'time', 'mscratch'), reg).map(([c, d]) => () => `csrr x${d}, ${c}`) },
  { weight: 1, arbitrary: fc.constantFrom(() => 'ecall', () => 'ebreak') },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('beq', 'bne', 'blt', 'bgeu'), reg, reg, reg).map(([op, a, b, d]) => (l: string) => `${op} x${a}, x${b}, ${l}\naddi x${d}, x${d}, 1\n${l}:`) },
  // A store into the code area (self-modifying data next to code): a nop over a nop.
  { weight: 1, arbitrary: fc.constant(() => `la x6, patch\nli x7, 0x00000013\nsw x7, 0(x6)`) },
);

interface Program {
  body: ((label: string) => string)[];
  loops: number;
  firstTimer: number;
  rearm: number;
  maxIrqs: number;
}

const programArb: fc.Arbitrary<Program> = fc.record({
  body: fc.array(stmt, { minLength: 1, maxLength: 40 }),
  loops: fc.integer({ min: 1, max: 40 }),
  firstTimer: fc.integer({ min: 1, max: 400 }),
  rearm: fc.integer({ min: 1, max: 300 }),
  maxIrqs: fc.integer({ min: 0, max: 30 }),
});

function source(p: Program): string {
  const body = p.body.map((f, i) => f(`b${i}`)).join('\n');
  return `
    la x8, ${DATA}
    li x9, ${COUNTER}
    la x5, handler
    csrw mtvec, x5
    li x5, 0x2004000
    li x6, ${p.firstTimer}
    sw x6, 0(x5)
    sw zero, 4(x5)
    li x5, 0x80
    csrw mie, x5
    csrsi mstatus, 8
    li x18, ${p.loops}
  loop:
    ${body}
  patch:
    nop
    addi x18, x18, -1
    bnez x18, loop
    li x31, 0x100000
    li x30, 0x5555
    sw x30, 0(x31)
  spin:
    j spin
  handler:
    csrr x28, mcause
    bltz x28, irq
    csrr x29, mepc
    addi x29, x29, 4
    csrw mepc, x29
    mret
  irq:
    lw x29, 0(x9)
    addi x29, x29, 1
    sw x29, 0(x9)
    li x30, 0x2004000
    li x31, ${p.maxIrqs}
    bge x29, x31, disarm
    li x31, 0x200bff8
    lw x31, 0(x31)
    addi x31, x31, ${p.rearm}
    sw x31, 0(x30)
    sw zero, 4(x30)
    mret
  disarm:
    li x31, -1
    sw x31, 4(x30)
    mret
  `;
}

function elfOf(p: Program): Uint8Array {
  return buildTestElf(assemble(source(p), { base: TEST_BASE }), { memSize: 0x42000 });
}

interface Recorded {
  bytes: Uint8Array;
  hash: string;
  output: number[];
}

function record(elf: Uint8Array, level: TraceLevel, schedule: { at: number; bytes: number[] }[], nsPerInsn = 1, hashEvery = 997): Recorded {
  const console = new TimedConsole(schedule);
  const out = new MemoryOutput();
  const rec = new Recorder(runConfig({ elf, elfPath: 'random.elf', memSize: MEM, nsPerInsn, maxAttempts: 300_000 }), console, new TraceWriter(out), { level, hashEvery });
  console.icount = () => rec.machine.hart.icount;
  const end = rec.runToEnd();
  return { bytes: out.bytes(), hash: end.hash, output: console.out };
}

function replay(bytes: Uint8Array): { result: ReplayResult; output: number[] } {
  const output: number[] = [];
  const r = new Replayer(TraceReader.fromBytes(bytes), { output: (b) => output.push(b) });
  return { result: r.run(), output };
}

/** The final state hash of a plain run (no recording), for "recording changes nothing". */
function plainHash(elf: Uint8Array, schedule: { at: number; bytes: number[] }[], nsPerInsn: number, hashEvery: number): string {
  const console = new TimedConsole(schedule);
  const m = new Machine({ image: elf, memSize: MEM, nsPerInsn, console });
  console.icount = () => m.hart.icount;
  // Same slicing as the recorder: console arrivals depend on where slices end.
  while (m.hart.attempts < 300_000 && m.run(Math.min(hashEvery, 300_000 - m.hart.attempts)) === null);
  const h = new RamHasher(MEM >>> 12);
  m.bus.ram.dirty.fill(1);
  h.update(m.bus.ram);
  return stateHash(machineState(m), h.digest);
}

const scheduleArb = fc.array(fc.record({ at: fc.nat(20_000), bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 5 }) }), { maxLength: 6 }).map((s) => s.sort((a, b) => a.at - b.at));
const levelArb = fc.constantFrom<TraceLevel>('inputs', 'events', 'full');

describe('record → replay is exact', () => {
  it('for random programs with timer interrupts, traps and console input, at every level', () => {
    fc.assert(
      fc.property(programArb, scheduleArb, levelArb, fc.integer({ min: 1, max: 150 }), (p, schedule, level, ns) => {
        const elf = elfOf(p);
        const rec = record(elf, level, schedule, ns);
        const { result, output } = replay(rec.bytes);
        if (result.status !== 'exact') throw new Error(`replay ${result.status}: ${result.mismatch ? `expected ${result.mismatch.expected && formatEvent(result.mismatch.expected)} actual ${result.mismatch.actual && formatEvent(result.mismatch.actual)}` : ''}`);
        expect(result.end?.hash).toBe(rec.hash);
        expect(output).toEqual(rec.output);
        expect(plainHash(elf, schedule, ns, 997)).toBe(rec.hash);
        if (level !== 'full') {
          // The same events with every instruction interpreted (no translated blocks).
          const r = new Replayer(TraceReader.fromBytes(rec.bytes));
          r.machine.hart.blocksEnabled = false;
          const interpreted = r.run();
          if (interpreted.status !== 'exact') throw new Error(`interpreter-only replay ${interpreted.status}: ${interpreted.mismatch && `expected ${interpreted.mismatch.expected && formatEvent(interpreted.mismatch.expected)} actual ${interpreted.mismatch.actual && formatEvent(interpreted.mismatch.actual)}`}`);
        }
        if (level === 'full') {
          const f = foldTrace(TraceReader.fromBytes(rec.bytes));
          expect(f.problems).toEqual([]);
          expect(f.hash).toBe(rec.hash);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('feeds console input at the poll where the recording saw it, whatever the host timing', () => {
    const p: Program = { body: [() => `li x5, 0x10000000\nlbu x10, 5(x5)\nlbu x11, 0(x5)\nsb x11, 0(x8)\nadd x12, x12, x11`], loops: 40, firstTimer: 50, rearm: 30, maxIrqs: 5 };
    const elf = elfOf(p);
    const rec = record(elf, 'inputs', [
      { at: 30, bytes: [65, 66] },
      { at: 200, bytes: [67] },
    ]);
    const inputs = [...TraceReader.fromBytes(rec.bytes).events()].filter((e): e is InputEvent => e.type === 'input');
    expect(inputs.map((e) => Array.from(e.bytes))).toEqual([[65, 66], [67]]);
    expect(inputs[0]!.icount).toBeGreaterThanOrEqual(30);
    expect(replay(rec.bytes).result.status).toBe('exact');
  });
});

// ------------------------------------------------------------------ tampering

/**
 * Rewrites one events chunk with `edit` applied to its events, with a valid CRC and a
 * trailer that points at the moved footer: a forged trace, not a damaged one.
 */
function forge(bytes: Uint8Array, edit: (events: Record<string, unknown>[]) => boolean): Uint8Array {
  const reader = TraceReader.fromBytes(bytes);
  const footer = reader.chunks.at(-1)!;
  for (const c of reader.chunks) {
    if (c.kind !== CHUNK_EVENTS) continue;
    const value = reader.payload(c) as { first: number; events: Record<string, unknown>[] };
    if (!edit(value.events)) continue;
    const chunk = encodeChunk(CHUNK_EVENTS, packValue(value), false);
    const before = bytes.subarray(0, c.offset);
    const after = bytes.subarray(c.offset + CHUNK_HEADER_SIZE + c.length, bytes.length - 16);
    const out = new Uint8Array(before.length + chunk.length + after.length + 16);
    out.set(before);
    out.set(chunk, before.length);
    out.set(after, before.length + chunk.length);
    const trailer = new Uint8Array(bytes.subarray(bytes.length - 16)); // a copy (Buffer#slice would be a view)
    new DataView(trailer.buffer).setFloat64(0, footer.offset + chunk.length - (CHUNK_HEADER_SIZE + c.length), true);
    out.set(trailer, out.length - 16);
    return out;
  }
  throw new Error('nothing to forge');
}

describe('tampering is caught', () => {
  const p: Program = { body: [() => `li x5, 0x10000000\nlbu x10, 5(x5)\nlbu x11, 0(x5)\nsb x11, 0(x8)\nadd x12, x12, x11\nsw x12, 4(x8)`], loops: 200, firstTimer: 100, rearm: 300, maxIrqs: 3 };
  const schedule = [{ at: 100, bytes: [1, 2, 3] }];

  for (const level of ['inputs', 'events', 'full'] as const) {
    it(`changing one recorded input byte gives a divergence (${level})`, () => {
      const rec = record(elfOf(p), level, schedule);
      const forged = forge(rec.bytes, (events) => {
        const e = events.find((x) => x.type === 'input');
        if (e === undefined) return false;
        (e.bytes as Uint8Array)[1] ^= 0x40;
        return true;
      });
      const { result } = replay(forged);
      expect(result.status).toBe('diverged');
      expect(result.mismatch!.icount).toBeGreaterThan(0);
    });
  }

  it('a flipped byte anywhere in the trace is a CRC or format error naming the offset, or a divergence; never success', () => {
    const rec = record(elfOf(p), 'full', schedule);
    fc.assert(
      fc.property(fc.nat(rec.bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const bad = rec.bytes.slice();
        bad[at]! ^= mask;
        let outcome: string;
        try {
          const reader = TraceReader.fromBytes(bad);
          const { result } = replay(bad);
          outcome = result.status;
          reader.verifyAll();
        } catch (e) {
          expect(e).toBeInstanceOf(TraceError);
          expect((e as TraceError).message).toMatch(/offset \d+|not an hvrr trace|version/);
          return;
        }
        // A flip the CRCs cannot see does not exist: every byte is covered.
        throw new Error(`flipping byte ${at} went unnoticed (${outcome})`);
      }),
      { numRuns: 80 },
    );
  });

  it('a truncated trace replays its readable part and says it ends early', () => {
    const rec = record(elfOf(p), 'events', schedule, 1, 500);
    const reader = TraceReader.fromBytes(rec.bytes);
    const cut = reader.chunks[Math.floor(reader.chunks.length / 2)]!.offset + 5;
    const short = TraceReader.fromBytes(rec.bytes.subarray(0, cut));
    expect(short.complete).toBe(false);
    expect(short.truncatedAt).toBeLessThan(cut);
    const r = new Replayer(short).run();
    expect(r.status).toBe('truncated');
    expect(r.verifiedTo).toBeGreaterThan(0);
  });

  it('an instruction row that differs is reported with the row, at the full level', () => {
    const rec = record(elfOf(p), 'full', []);
    // Replay the trace of one program against another program's header: the rows differ.
    const other = record(elfOf({ ...p, body: [() => 'addi x10, x10, 7'] }), 'full', []);
    const reader = TraceReader.fromBytes(rec.bytes);
    const r = new Replayer(reader);
    // Swap in the other trace's rows.
    const foreign = TraceReader.fromBytes(other.bytes);
    (r.verifier as unknown as { insnChunks: Iterator<unknown> }).insnChunks = foreign.insnChunks();
    const result = r.run();
    expect(result.status).toBe('diverged');
    expect(result.mismatch!.kind).toBe('insn');
  });
});

// ------------------------------------------------------------ guest programs

const IMAGES = fileURLToPath(new URL('../packages/guests/images/', import.meta.url));

describe('the project guests record and replay exactly', () => {
  const cases: { name: string; firmware?: 'builtin'; bootargs?: string }[] = [
    { name: 'bare-hello.elf' },
    { name: 'bare-timer.elf' },
    { name: 'bare-traps.elf' },
    { name: 'bare-smode.elf' },
    { name: 'bare-atomics.elf' },
    { name: 'kernel.elf', firmware: 'builtin', bootargs: 'init=hello' },
  ];
  for (const c of cases)
    for (const level of ['inputs', 'events', 'full'] as const)
      it(`${c.name}${c.bootargs ? ` ${c.bootargs}` : ''} at ${level}`, () => {
        const elf = readFileSync(IMAGES + c.name);
        const out = new MemoryOutput();
        const console = new BufferConsole();
        const rec = new Recorder(runConfig({ elf, elfPath: c.name, memSize: 64 << 20, firmware: c.firmware ? { kind: 'builtin' } : { kind: 'none' }, bootargs: c.bootargs }), console, new TraceWriter(out), { level, hashEvery: 50_000 });
        const end = rec.runToEnd();
        expect(end.outcome.kind).toBe('pass');
        const reader = TraceReader.fromBytes(out.bytes());
        const output: number[] = [];
        const result = new Replayer(reader, { output: (b) => output.push(b) }).run();
        expect(result.status).toBe('exact');
        expect(Buffer.from(output).toString('latin1')).toBe(console.text());
        if (level === 'full') expect(foldTrace(reader).hash).toBe(end.hash);
      });
});

// --------------------------------------------------------- committed traces

const TRACES = fileURLToPath(new URL('../traces/', import.meta.url));

describe('committed traces in traces/ replay and verify', () => {
  const files = existsSync(TRACES) ? readdirSync(TRACES).filter((f) => f.endsWith('.hvrr')) : [];
  it('there are committed traces', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });
  for (const f of files)
    it(f, () => {
      const reader = TraceReader.fromBytes(readFileSync(TRACES + f));
      reader.verifyAll();
      expect(reader.complete).toBe(true);
      const result = new Replayer(reader).run();
      expect(result.status).toBe('exact');
      if (reader.level === 'full') expect(foldTrace(reader).hash).toBe(result.end!.hash);
    });
});

// ------------------------------------------------------------- ISA tests (local)

const ISA = '/work/riscv-tests/build/';

describe.skipIf(!existsSync(ISA))('rv32 ISA tests record and replay exactly at every level (local build)', () => {
  it('all of them', () => {
    const failures: string[] = [];
    for (const name of readdirSync(ISA).filter((n) => n.startsWith('rv32')))
      for (const level of ['inputs', 'events', 'full'] as const) {
        const out = new MemoryOutput();
        const rec = new Recorder(runConfig({ elf: readFileSync(ISA + name), elfPath: name, memSize: 16 << 20, maxAttempts: 5_000_000 }), new BufferConsole(), new TraceWriter(out), { level, hashEvery: 10_000 });
        rec.runToEnd();
        const reader = TraceReader.fromBytes(out.bytes());
        const r = new Replayer(reader).run();
        if (r.status !== 'exact') failures.push(`${name} ${level}: ${r.status}`);
        if (level === 'full' && foldTrace(reader).hash !== r.end?.hash) failures.push(`${name} fold`);
      }
    expect(failures).toEqual([]);
  });
});

// loadedRanges must name every byte a fresh machine wrote (the first hash reads only those).
describe('the first state hash', () => {
  it('equals a full scan of RAM for the guests (the loaded ranges cover all that construction wrote)', () => {
    for (const [name, firmware] of [
      ['bare-hello.elf', undefined],
      ['kernel.elf', 'builtin'],
    ] as const) {
      const elf = readFileSync(IMAGES + name);
      const rc = runConfig({ elf, memSize: 32 << 20, firmware: firmware ? { kind: firmware } : { kind: 'none' } });
      const m = new Machine({ image: elf, memSize: rc.memSize, firmware: rc.firmware, console: new BufferConsole() });
      const full = new RamHasher(m.bus.ram.size >>> 12);
      full.update(m.bus.ram);
      const partial = new RamHasher(m.bus.ram.size >>> 12);
      partial.assumeZero();
      m.bus.ram.dirty.fill(0);
      for (const [a, l] of loadedRanges(m, rc)) for (let pg = (a - 0x80000000) >>> 12; pg <= (a - 0x80000000 + l - 1) >>> 12; pg++) m.bus.ram.dirty[pg] = 1;
      partial.update(m.bus.ram);
      expect(partial.digest).toEqual(full.digest);
    }
  });
});

// ------------------------------------------------------------------------ CLI

describe('hvrr record / replay / info / events', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hvrr-rr-'));
  // Echoes console input until a newline, then passes.
  const echo = join(dir, 'echo.elf');
  writeFileSync(
    echo,
    buildTestElf(
      assemble(
        `
        li x5, 0x10000000
      wait:
        lbu x6, 5(x5)
        andi x6, x6, 1
        beqz x6, wait
        lbu x7, 0(x5)
        sb x7, 0(x5)
        li x8, 10
        bne x7, x8, wait
        li x31, 0x100000
        li x30, 0x5555
        sw x30, 0(x31)
      spin:
        j spin`,
        { base: TEST_BASE },
      ),
    ),
  );
  const trace = join(dir, 'echo.hvrr');

  it('records console input and replays it exactly, printing the output again (exit 0)', () => {
    ensureBuilt();
    const rec = hvrr(['record', echo, '-o', trace, '--mem', '4M'], { input: 'hello, trace\n' });
    expect(rec.stderr).toContain('recorded');
    expect(rec.status).toBe(0);
    expect(rec.stdout).toBe('hello, trace\n');
    const rep = hvrr(['replay', trace]);
    expect(rep.status).toBe(0);
    expect(rep.stdout).toBe('hello, trace\n');
    expect(rep.stderr).toMatch(/replay exact/);
    const quiet = hvrr(['replay', '--quiet', '--verify', trace]);
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).toBe('');
  });

  it('hvrr info and hvrr events describe the trace', () => {
    const info = hvrr(['info', trace]);
    expect(info.status).toBe(0);
    expect(info.stdout).toMatch(/level:\s+events/);
    expect(info.stdout).toMatch(/input\s+\d+/);
    const json = JSON.parse(hvrr(['info', '--json', trace]).stdout);
    expect(json.complete).toBe(true);
    expect(json.events.mmio).toBeGreaterThan(10);
    const ev = hvrr(['events', trace, '--type', 'input,end', '--json']);
    expect(ev.status).toBe(0);
    const lines = ev.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual([...lines.filter((l) => l.type === 'input').map(() => 'input'), 'end']);
    expect(Buffer.from(lines.filter((l) => l.type === 'input').map((l) => l.bytes).join(''), 'hex').toString()).toBe('hello, trace\n');
    const ranged = hvrr(['events', trace, '--type', 'mmio', '--from', '10', '--to', '40']).stdout.trim().split('\n');
    for (const l of ranged) {
      const n = Number(/^#(\d+)/.exec(l)![1]);
      expect(n >= 10 && n <= 40).toBe(true);
    }
    expect(hvrr(['events', trace, '--type', 'bogus']).status).toBe(125);
  });

  it('a changed input is a divergence with a report (exit 3)', () => {
    const forged = join(dir, 'forged.hvrr');
    writeFileSync(
      forged,
      forge(readFileSync(trace), (events) => {
        const e = events.find((x) => x.type === 'input');
        if (e === undefined) return false;
        (e.bytes as Uint8Array)[3] = 0x4c; // "hello" -> "helLo"
        return true;
      }),
    );
    const r = hvrr(['replay', '--quiet', forged]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/replay diverged at instruction \d+/);
    expect(r.stderr).toMatch(/expected: #\d+ mmio read uart/);
    expect(r.stderr).toMatch(/actual: +#\d+ mmio read uart/);
    expect(r.stderr).toMatch(/pc: +0x800000/);
    expect(r.stderr).toMatch(/last 16 instructions/);
    expect(r.stderr).toMatch(/input: +console arrival/);
  });

  it('a cut-off trace replays its readable part (exit 4); a flipped byte is a CRC error with its offset (exit 125)', () => {
    const bytes = readFileSync(trace);
    const reader = TraceReader.fromBytes(bytes);
    const cutAt = reader.chunks.at(-2)!.offset + 7;
    const cut = join(dir, 'cut.hvrr');
    writeFileSync(cut, bytes.subarray(0, cutAt));
    const r = hvrr(['replay', '--quiet', cut]);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/ends early/);
    const flipped = join(dir, 'flipped.hvrr');
    const bad = Buffer.from(bytes);
    const target = reader.chunks[1]!;
    bad[target.offset + 20]! ^= 0x10;
    writeFileSync(flipped, bad);
    const f = hvrr(['replay', flipped]);
    expect(f.status).toBe(125);
    expect(f.stderr).toMatch(new RegExp(`offset ${target.offset}.*CRC`));
    expect(f.stderr).not.toMatch(/at .*\.js:\d+/);
    const i = hvrr(['info', flipped]);
    expect(i.status).toBe(125);
    const garbage = join(dir, 'garbage.hvrr');
    writeFileSync(garbage, 'not a trace at all');
    const g = hvrr(['replay', garbage]);
    expect(g.status).toBe(125);
    expect(g.stderr).toMatch(/not an hvrr trace/);
  });

  it('hvrr run --record and --fold on a full trace; --fold refuses lower levels', () => {
    const full = join(dir, 'hello-full.hvrr');
    const r = hvrr(['run', join(IMAGES, 'bare-hello.elf'), '--record', full, '--level', 'full', '--mem', '8M']);
    expect(r.status).toBe(0);
    const f = hvrr(['replay', '--fold', full]);
    expect(f.status).toBe(0);
    expect(f.stdout).toMatch(/equal/);
    const ev = join(dir, 'hello-events.hvrr');
    expect(hvrr(['record', join(IMAGES, 'bare-hello.elf'), '-o', ev, '--mem', '8M']).status).toBe(0);
    const no = hvrr(['replay', '--fold', ev]);
    expect(no.status).toBe(125);
    expect(no.stderr).toMatch(/full level/);
    expect(hvrr(['record', join(IMAGES, 'bare-hello.elf'), '-o', ev, '--level', 'most']).status).toBe(125);
    const until = hvrr(['replay', '--quiet', '--until', '100', full]);
    expect(until.status).toBe(0);
    expect(until.stderr).toMatch(/stopped at instruction 100 /);
  });

  it('Ctrl-C while recording closes the trace cleanly; it replays exactly', async () => {
    const path = join(dir, 'interrupted.hvrr');
    const child = spawn('node', ['packages/cli/bin/hvrr.js', 'record', join(IMAGES, 'bare-bench.elf'), '-o', path, '--level', 'full'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    const reader = TraceReader.fromBytes(readFileSync(path));
    expect(reader.complete).toBe(true);
    const rep = hvrr(['replay', '--quiet', path], { timeout: 120_000 });
    expect(rep.stderr).toMatch(/replay exact/);
    expect(rep.status).toBe(0);
  });
});
