import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { InsnColumns } from '@hvrr/events';
import { MemoryOutput, TraceWriter, runConfig, configRecord, FORMAT_VERSION, type TraceEvent, type TraceHeader } from '@hvrr/recorder';
import { TraceReader } from './trace-reader.js';
import { TraceError } from './trace-error.js';
import { sameValue } from './same-value.js';

function header(): TraceHeader {
  const rc = runConfig({ elf: Uint8Array.of(0x7f, 0x45, 0x4c, 0x46) });
  return { format: FORMAT_VERSION, hvrr: 'test', level: 'full', config: configRecord(rc), images: { elf: rc.elf, firmware: null }, hashEvery: 100, seeds: {} };
}

/** A small trace: events and instruction rows over several flushes. */
function sample(steps: number): { bytes: Uint8Array; events: TraceEvent[]; rows: number } {
  const out = new MemoryOutput();
  const w = new TraceWriter(out, { compressInsns: true });
  w.header(header());
  const events: TraceEvent[] = [];
  let icount = 0;
  for (let s = 0; s < steps; s++) {
    const b = new InsnColumns(50);
    b.reset(icount);
    for (let i = 0; i < 50; i++) {
      b.pc[i] = 0x80000000 + 4 * ((icount + i) % 7);
      b.raw[i] = 0x00150513;
      b.rdValue[i] = icount + i;
      b.count++;
    }
    w.instructions(b);
    icount += 50;
    const e: TraceEvent = { type: 'mmio', icount, op: 'write', addr: 0x10000000, size: 1, value: s & 0xff, device: 'uart' };
    const h: TraceEvent = { type: 'hash', icount, hash: icount.toString(16).padStart(16, '0') };
    for (const x of [e, h]) {
      w.event(x);
      events.push(x);
    }
    w.flush();
  }
  const end: TraceEvent = { type: 'end', icount, attempts: icount, outcome: { kind: 'pass', how: 'test' }, pc: 0, priv: 3, hash: '0'.repeat(16) };
  w.event(end);
  events.push(end);
  w.close();
  return { bytes: out.bytes(), events, rows: icount };
}

describe('TraceReader', () => {
  it('reads back the header, events in order, instruction rows and the footer', () => {
    const { bytes, events, rows } = sample(5);
    const r = TraceReader.fromBytes(bytes);
    expect(r.complete).toBe(true);
    expect(r.header.level).toBe('full');
    expect(Array.from(r.header.images.elf)).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(sameValue([...r.events()], events)).toBe(true);
    let n = 0;
    for (const c of r.insnChunks()) {
      for (let i = 0; i < c.count; i++) expect(c.rdValue[i]).toBe(c.firstIcount + i);
      n += c.count;
    }
    expect(n).toBe(rows);
    expect(r.footer!.counts).toMatchObject({ insn: rows, mmio: 5, hash: 5, end: 1 });
    r.verifyAll();
  });

  it('cut anywhere, a trace reads up to its last whole chunk: a prefix of the events, never an error past the header', () => {
    const { bytes, events } = sample(6);
    const headerEnd = TraceReader.fromBytes(bytes).chunks[1]!.offset;
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), (cut) => {
        const short = bytes.subarray(0, cut);
        if (cut < headerEnd) {
          expect(() => TraceReader.fromBytes(short)).toThrow(TraceError);
          return;
        }
        const r = TraceReader.fromBytes(short);
        // Only a cut inside the trailer leaves the footer whole (the trace is complete then).
        expect(r.complete).toBe(cut >= bytes.length - 16);
        if (!r.complete) expect(r.truncatedAt).toBeLessThanOrEqual(cut);
        const got = [...r.events()];
        expect(sameValue(got, events.slice(0, got.length))).toBe(true);
      }),
    );
  });

  it('rejects what is not a trace, and versions it does not read', () => {
    expect(() => TraceReader.fromBytes(new TextEncoder().encode('#!/bin/sh\necho not a trace\n'))).toThrow(/not an hvrr trace/);
    const { bytes } = sample(1);
    const future = bytes.slice();
    future[8] = 99;
    expect(() => TraceReader.fromBytes(future)).toThrow(/version 99/);
  });

  it('names the chunk and its offset when a payload fails its CRC', () => {
    const { bytes } = sample(3);
    const r = TraceReader.fromBytes(bytes);
    const c = r.chunks[2]!;
    const bad = bytes.slice();
    bad[c.offset + 12 + Math.floor(c.length / 2)]! ^= 1;
    const rb = TraceReader.fromBytes(bad);
    expect(() => rb.verifyAll()).toThrow(new RegExp(`chunk 2 \\(\\w+\\) at offset ${c.offset}: CRC mismatch`));
  });
});
