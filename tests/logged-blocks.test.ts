// At the `full` level, translated blocks write instruction rows themselves. Those rows
// must be exactly what the interpreter writes for the same run: the trace must not
// depend on which engine ran an instruction.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MemorySink } from '@hvrr/events';
import { BufferConsole, Machine, type FirmwareChoice } from '@hvrr/machine';

const images = fileURLToPath(new URL('../packages/guests/images/', import.meta.url));
const COLUMNS = ['pc', 'raw', 'rdValue', 'storeAddr', 'storeValue', 'flags'] as const;

function rows(image: string, firmware: FirmwareChoice, bootargs: string, blocks: boolean, step: number) {
  const m = new Machine({ image: readFileSync(images + image), firmware, bootargs, console: new BufferConsole() });
  m.hart.blocksEnabled = blocks;
  const sink = new MemorySink(true, true);
  m.attachSink(sink);
  let guard = 0;
  while (m.run(step) === null && guard++ < 100_000);
  m.hart.flushInsnLog();
  const out: Record<string, number[]> = {};
  for (const c of COLUMNS) out[c] = sink.batches.flatMap((b) => Array.from(b[c]));
  // Store columns mean something only on rows that stored.
  const stored = out.flags.map((f) => (f & 1) !== 0);
  out.storeAddr = out.storeAddr.map((v, i) => (stored[i] ? v : 0));
  out.storeValue = out.storeValue.map((v, i) => (stored[i] ? v : 0));
  return { icount: m.hart.icount, rows: out, events: sink.events.length, text: (m.console as BufferConsole).text() };
}

describe('instruction rows from translated blocks equal the interpreter\'s', () => {
  const cases: Array<[string, string, FirmwareChoice, string, number]> = [
    ['bare traps (faults in blocks)', 'bare-traps.elf', { kind: 'none' }, '', 1001],
    ['bare smode (paging, page faults)', 'bare-smode.elf', { kind: 'none' }, '', 997],
    ['bare timer (interrupts)', 'bare-timer.elf', { kind: 'none' }, '', 333],
    ['kernel forkwait (fork, exec, syscalls)', 'kernel.elf', { kind: 'builtin' }, 'init=forkwait -- 5', 50_021],
  ];
  for (const [name, image, firmware, bootargs, step] of cases) {
    it(name, () => {
      const interpreted = rows(image, firmware, bootargs, false, step);
      const translated = rows(image, firmware, bootargs, true, step);
      expect(translated.icount).toBe(interpreted.icount);
      expect(translated.rows.pc.length).toBe(interpreted.icount);
      for (const c of COLUMNS) {
        // The first differing row, not a diff of millions of rows.
        const a = interpreted.rows[c];
        const b = translated.rows[c];
        const at = a.findIndex((v, i) => v !== b[i]);
        expect(at === -1 ? null : { column: c, row: at, interpreter: a[at], blocks: b[at] }).toBeNull();
      }
      expect(translated.events).toBe(interpreted.events);
      expect(translated.text).toBe(interpreted.text);
    });
  }
});
