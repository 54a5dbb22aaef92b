// Shared by the time-travel tests: record a guest to an in-memory trace, and replay a
// fresh machine from the start to an instruction count (the reference a seek must equal).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BufferConsole, type Machine } from '@hvrr/machine';
import { MemoryOutput, Recorder, TraceWriter, runConfig, type TraceLevel } from '@hvrr/recorder';
import { Replayer, TraceReader } from '@hvrr/replayer';

export function guestImage(name: string): Uint8Array {
  return readFileSync(fileURLToPath(new URL(`../packages/guests/images/${name}`, import.meta.url)));
}

export interface RecordedTrace {
  bytes: Uint8Array;
  reader(): TraceReader;
}

export function recordTrace(
  name: string,
  o: { firmware?: 'builtin'; bootargs?: string; level?: TraceLevel; memSize?: number; hashEvery?: number; snapshotEvery?: number; input?: string } = {},
): RecordedTrace {
  const out = new MemoryOutput();
  const config = runConfig({ elf: guestImage(name), elfPath: name, memSize: o.memSize ?? 32 << 20, firmware: o.firmware ? { kind: 'builtin' } : { kind: 'none' }, bootargs: o.bootargs ?? '' });
  const rec = new Recorder(config, new BufferConsole(new TextEncoder().encode(o.input ?? '')), new TraceWriter(out), {
    level: o.level ?? 'inputs',
    hashEvery: o.hashEvery ?? 100_000,
    snapshotEvery: o.snapshotEvery,
  });
  rec.runToEnd();
  const bytes = out.bytes();
  return { bytes, reader: () => TraceReader.fromBytes(bytes) };
}

/** A fresh replay from the start, stopped at the first state with `icount` instructions retired. */
export function replayTo(trace: RecordedTrace, icount: number): Machine {
  const r = new Replayer(trace.reader(), { verify: false, until: icount, output: null });
  r.run();
  return r.machine;
}

/** The architectural state a seek must reproduce, comparable with toEqual. */
export function stateOf(m: Machine): { icount: number; pc: number; priv: number; x: number[]; csr: Record<number, number> } {
  const h = m.hart;
  const csr: Record<number, number> = {};
  h.csr.forEach((v, i) => {
    if (v !== 0) csr[i] = v;
  });
  return { icount: h.icount, pc: h.pc, priv: h.priv, x: Array.from(h.x.subarray(1)), csr };
}

export function sameRam(a: Machine, b: Machine): boolean {
  const ra = a.bus.ram.u8;
  const rb = b.bus.ram.u8;
  return Buffer.from(ra.buffer, ra.byteOffset, ra.byteLength).equals(Buffer.from(rb.buffer, rb.byteOffset, rb.byteLength));
}
