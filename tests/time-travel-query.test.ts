// `hvrr query` (issue 7): system calls with arguments and results, writes to a range and
// the page table at an instant, checked against what the events- and full-level traces
// of the same run recorded.
import { describe, it, expect } from 'vitest';
import { TimeMachine } from '@hvrr/replayer';
import { INSN_HAS_STORE } from '@hvrr/events';
import { runQuery, parseRange, type QueryOptions } from '../packages/cli/src/query-command.js';
import { recordTrace } from './time-travel-support.js';

const GUEST = { firmware: 'builtin' as const, bootargs: 'init=forkwait -- 3' };
const inputs = recordTrace('kernel.elf', GUEST);

function query(opts: QueryOptions): Record<string, unknown>[] {
  const tm = TimeMachine.fromReader(inputs.reader());
  const out: Record<string, unknown>[] = [];
  runQuery(tm, opts, (o) => out.push(JSON.parse(JSON.stringify(o))));
  return out;
}

describe('hvrr query', () => {
  it('--syscalls lists every ecall from U with its number, arguments and result', () => {
    const events = [...recordTrace('kernel.elf', { ...GUEST, level: 'events' }).reader().events()].filter(
      (e) => e.type === 'trap' && (e as { cause: number }).cause === 8 && !(e as { interrupt: boolean }).interrupt,
    );
    const calls = query({ syscalls: true });
    expect(calls.length).toBe(events.length);
    expect(calls.map((c) => c.icount)).toEqual(events.map((e) => e.icount));
    // write(fd, buf, len) returns len; fork returns the child's pid in the parent, 0 in the child.
    const writes = calls.filter((c) => c.number === 2);
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) expect(w.result).toBe((w.args as number[])[2]);
    const forks = calls.filter((c) => c.number === 7);
    expect(forks.length).toBe(3);
    for (const f of forks) expect(f.result as number).toBeGreaterThan(0);
    const exits = calls.filter((c) => c.number === 1);
    for (const e of exits) expect(e.result).toBeNull();
  });

  it('--writes lists every store to a range, as the full-level rows have them', () => {
    const full = recordTrace('kernel.elf', { ...GUEST, level: 'full' }).reader();
    // The range: the word of the first store in user mode's stack area is as good as any; take the 1000th store.
    const stores: { icount: number; addr: number; pc: number }[] = [];
    for (const rows of full.insnChunks())
      for (let i = 0; i < rows.count; i++)
        if (rows.flags[i]! & INSN_HAS_STORE) stores.push({ icount: rows.firstIcount + i, addr: rows.storeAddr[i]! >>> 0, pc: rows.pc[i]! >>> 0 });
    const target = (stores[1000]!.addr & ~3) >>> 0;
    const expected = stores.filter((s) => s.addr >= target && s.addr < target + 4);
    const got = query({ writes: `0x${target.toString(16)}:4` }).filter((w) => w.by === 'store');
    expect(got.map((w) => [w.icount, w.pc])).toEqual(expected.map((s) => [s.icount, s.pc]));
  });

  it('--writes --physical: every store it reports did write that physical range, through the tables of its time', () => {
    const full = recordTrace('kernel.elf', { ...GUEST, level: 'full' }).reader();
    const stores = new Map<number, { addr: number; pc: number }>();
    for (const rows of full.insnChunks())
      for (let i = 0; i < rows.count; i++) if (rows.flags[i]! & INSN_HAS_STORE) stores.set(rows.firstIcount + i, { addr: rows.storeAddr[i]! >>> 0, pc: rows.pc[i]! >>> 0 });
    // The physical page behind the user stack of the first process, at 400k instructions.
    const tm = TimeMachine.fromReader(inputs.reader());
    tm.seek(400_000);
    const sp = tm.hart.x[2]! >>> 0;
    const pa = tm.translate(sp & ~0xfff)!;
    expect(pa).not.toBeNull();
    const hits = query({ writes: `0x${pa.toString(16)}:4096`, physical: true }).filter((w) => w.by === 'store');
    expect(hits.length).toBeGreaterThan(10);
    for (const h of hits) {
      const s = stores.get(h.icount as number)!;
      expect(s.pc).toBe(h.pc);
      tm.seek(h.icount as number);
      const at = tm.translate(s.addr)!;
      expect(at >= pa && at < pa + 4096).toBe(true);
    }
  });

  it('--page-table prints the mappings at an instruction count', () => {
    const lines = query({ pageTable: '500000' });
    expect(lines[0]).toMatchObject({ icount: 500_000 });
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[1]).toHaveProperty('flags');
  });

  it('parses ADDR[:LEN]', () => {
    expect(parseRange('0x80001000')).toEqual({ addr: 0x80001000, len: 4 });
    expect(parseRange('4096:8')).toEqual({ addr: 4096, len: 8 });
    expect(() => parseRange('x')).toThrow(/no such symbol/);
    const symbols: Record<string, number> = { checks: 0x80001810 };
    expect(parseRange('checks:8', (n) => symbols[n])).toEqual({ addr: 0x80001810, len: 8 });
    expect(() => parseRange('0xzz')).toThrow(/expected a non-negative integer/);
  });

  it('--writes takes a symbol of the recorded ELF', () => {
    // `current` is the kernel's running-process pointer: written at every switch.
    const at = TimeMachine.fromReader(inputs.reader()).machine.elf.symbol('current')!;
    const bySymbol = query({ writes: 'current' });
    expect(bySymbol.length).toBeGreaterThan(1);
    expect(bySymbol).toEqual(query({ writes: `0x${at.toString(16)}:4` }));
  });
});
