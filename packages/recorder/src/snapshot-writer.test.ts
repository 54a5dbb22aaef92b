import { describe, it, expect } from 'vitest';
import { BufferConsole } from '@hvrr/machine';
import { MemoryOutput } from './trace-output.js';
import { TraceWriter, type TraceSink } from './trace-writer.js';
import { Recorder } from './recorder.js';
import { runConfig } from './run-config.js';
import { decodeMachineState } from './machine-snapshot.js';
import type { SnapshotRecord } from './snapshot-writer.js';
import { elfFromAssembly } from '../../../tests/support/test-elf.js';

describe('snapshot chunks while recording', () => {
  it('writes one per interval with the pages written since the one before and the machine state', () => {
    // A loop storing a counter to one word, 300k times, then passing.
    const elf = elfFromAssembly(`
      li t0, 300000
      lui t1, 0x80010
    loop:
      sw t0, 0(t1)
      addi t0, t0, -1
      bnez t0, loop
      lui t2, 0x100
      lui t3, 5
      addi t3, t3, 0x555
      sw t3, 0(t2)
    `, { memSize: 0x20000 });
    const records: SnapshotRecord[] = [];
    const writer = new TraceWriter(new MemoryOutput());
    const sink: TraceSink = {
      header: (h) => writer.header(h),
      event: (e) => writer.event(e),
      instructions: (b) => writer.instructions(b),
      flush: () => writer.flush(),
      close: () => writer.close(),
      snapshot: (r) => {
        records.push(r);
        writer.snapshot(r);
      },
    };
    const rec = new Recorder(runConfig({ elf, memSize: 1 << 20 }), new BufferConsole(), sink, { level: 'inputs', hashEvery: 50_000, snapshotEvery: 200_000 });
    rec.runToEnd();
    expect(records.map((r) => r.attempts)).toEqual([200_000, 400_000, 600_000, 800_000]);
    const pages = (r: SnapshotRecord) => Array.from(new Uint32Array(new Uint8Array(r.pages).buffer));
    // The first holds the loaded image too; later ones only the page of the counter.
    expect(pages(records[0]!)).toContain(0x10);
    expect(pages(records[1]!)).toEqual([0x10]);
    const s = decodeMachineState(records[1]!.state);
    expect(s.attempts).toBe(400_000);
    expect(s.hart.fields.icount).toBe(400_000);
    expect(s.host).toHaveProperty('clint');
  });
});
