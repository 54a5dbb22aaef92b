// The REPL as a person uses it: `hvrr debug TRACE` in a pseudo-terminal (script(1) from
// util-linux makes one; no native modules), typing a command only once the prompt is
// there, with line editing (history on the up arrow, Ctrl-U), Ctrl-C at the prompt and
// Ctrl-D to leave.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hvrr, REPO_ROOT } from './support/hvrr-cli.js';
import { haveScript, Terminal } from './support/terminal.js';

// The kernel running `hello` over the built-in SBI: 338826 instructions; user-mode
// system calls at 334468 (the first, from 0x10040), 335345 and 335716.
const TRACE = 'traces/kernel-hello-events.hvrr';

describe.skipIf(!haveScript)('hvrr debug REPL in a terminal', () => {
  let dir = '';
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'hvrr-repl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('moves, shows state, explains bad input, keeps history, and leaves on Ctrl-D', async () => {
    const history = join(dir, 'history');
    const cmd = `${process.execPath} packages/cli/bin/hvrr.js debug ${TRACE}`;
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: REPO_ROOT, env: { ...process.env, HVRR_HISTORY: history, TERM: 'xterm' } });
    const t = new Terminal(child);
    try {
      expect(await t.expect('(hvrr 0 S 0x80400000) ')).toContain(`hvrr debug ${TRACE}: 338826 instructions recorded`);

      expect(await t.run('where')).toContain('icount 0 of 338826, S-mode, pc 0x80400000, guest time 0 ticks (0 ns)');

      // Forwards to the next system call: the trap from U into the kernel's vector.
      const sys = await t.run('continue syscall');
      expect(sys).toContain('event at icount 334468');
      expect(sys).toContain('environment_call_from_u_mode');
      expect(sys).toContain('U->S');

      // Back into user mode: the prompt shows the position and the mode.
      await t.run('back 3');
      expect(await t.run('where')).toContain('icount 334465 of 338826, U-mode, pc 0x00010034');
      const regs = await t.run('regs');
      expect(regs).toContain('pc   0x00010034  mode U');
      expect(regs).toMatch(/x17 a7 {3}0x00000004/); // the system call number, loaded just before
      expect(await t.run('disasm 0x10040 1')).toMatch(/0x00010040: {2}00000073 {2}ecall/);
      expect(await t.run('x/2 0x10040')).toContain('0x00010040:  0x00000073  0x00008067');
      const pt = await t.run('pagetable');
      expect(pt).toMatch(/\d+ mappings \(va -> pa flags\):/);
      expect(pt).toMatch(/0x00010000 -> 0x[0-9a-f]{8} {2}r-xu/);
      const ev = await t.run('events 200');
      expect(ev).toContain('--- here (334465) ---');
      expect(ev).toMatch(/--- here \(334465\) ---\n\s+#334468 trap environment_call_from_u_mode/);

      // Breakpoints both ways.
      // Addresses by the recorded kernel's symbols (the trace holds the ELF). The vector's first
      // instruction shares its instruction count with the ecall, which traps and does not retire.
      expect(await t.run('break trap_entry')).toContain('breakpoint 1 at 0x80400038 <trap_entry>');
      expect(await t.run('c')).toMatch(/breakpoint 1 at icount 334468, pc 0x80400038\n=> 0x80400038 <trap_entry>: {2}14011173 {2}csrrw sp, sscratch, sp/);
      expect(await t.run('c')).toContain('breakpoint 1 at icount 335345, pc 0x80400038');
      expect(await t.run('rc')).toContain('breakpoint 1 at icount 334468, pc 0x80400038');
      expect(await t.run('rc')).toContain('at the start of the recording (icount 0, pc 0x80400000)');
      expect(await t.run('break trap_entry+4')).toContain('breakpoint 2 at 0x8040003c <trap_entry+4>');
      expect(await t.run('delete 1')).toContain('deleted 1');
      expect(await t.run('c')).toMatch(/breakpoint 2 at icount 334469, pc 0x8040003c\n=> 0x8040003c <trap_entry\+4>: {2}[0-9a-f]{8} {2}\S/);
      expect(await t.run('delete')).toContain('deleted 1');
      expect(await t.run('goto 334468')).toContain('icount 334468');

      // Bad input: one line that says what is wrong; the position does not move.
      expect(await t.run('goto -5')).toContain("bad instruction count '-5'");
      expect(await t.run('frobnicate')).toContain("unknown command 'frobnicate' (type help for the list)");
      expect(await t.run('x/2')).toContain('usage: x/N ADDR');
      expect(await t.run('goto 999999999')).toContain('the recording ends at instruction 338826');

      // Line editing: the up arrow brings back the last command; Ctrl-U clears a line.
      t.type('\x1b[A');
      await t.expect('goto 999999999');
      t.type('\x15where\r');
      expect(await t.expect(/icount 334468 of 338826/)).toBeTruthy();
      await t.expect(/\(hvrr 334468 U 0x00010040\) /);

      // Ctrl-C at the prompt abandons the line being typed.
      t.type('half typed');
      await t.expect('half typed');
      t.type('\x03');
      await t.expect('^C');
      await t.expect(/\(hvrr 334468 U 0x00010040\) /);
      await t.settle(); // readline redraws the emptied line: the same prompt again, in place
      expect(await t.run('where')).toContain('icount 334468');

      // Ctrl-D leaves; the exit status is 0 and the history file has the commands.
      t.type('\x04');
      expect(await t.exited).toBe(0);
      const saved = readFileSync(history, 'utf8').split('\n');
      expect(saved).toContain('continue syscall');
      expect(saved).toContain('frobnicate');
      expect(saved).not.toContain('half typed');
    } finally {
      child.kill();
    }
  });

  it('starts with the history of an earlier session', async () => {
    const history = join(dir, 'history2');
    writeFileSync(history, 'goto 1234\n');
    const child = spawn('script', ['-qfec', `${process.execPath} packages/cli/bin/hvrr.js debug ${TRACE}`, '/dev/null'], { cwd: REPO_ROOT, env: { ...process.env, HVRR_HISTORY: history, TERM: 'xterm' } });
    const t = new Terminal(child);
    try {
      await t.expect('(hvrr 0 S 0x80400000) ');
      t.type('\x1b[A\r');
      expect(await t.expect(/icount 1234, pc 0x[0-9a-f]{8}/)).toBeTruthy();
      await t.expect(/\(hvrr 1234 [SU] 0x[0-9a-f]{8}\) /);
      t.type('quit\r');
      expect(await t.exited).toBe(0);
    } finally {
      child.kill();
    }
  });

  it('stops a long continue and reverse-continue on Ctrl-C', async () => {
    // bare-bench runs about 155 million instructions; recorded at the inputs level in about a second.
    const trace = join(dir, 'bench.hvrr');
    const rec = hvrr(['record', join(REPO_ROOT, 'packages/guests/images/bare-bench.elf'), '-o', trace, '--level', 'inputs']);
    expect(rec.status, rec.stderr).toBe(0);
    const child = spawn('script', ['-qfec', `${process.execPath} packages/cli/bin/hvrr.js debug ${trace}`, '/dev/null'], { cwd: REPO_ROOT, env: { ...process.env, HVRR_HISTORY: '', TERM: 'xterm' } });
    const t = new Terminal(child);
    try {
      const banner = await t.expect('(hvrr 0 M 0x80000000) ');
      const end = Number(/(\d+) instructions recorded/.exec(banner)![1]);
      expect(end).toBeGreaterThan(100_000_000);
      // A read of address 0x10 never happens: the searches would run to the ends.
      expect(await t.run('watch r 0x10')).toContain('watchpoint 1: read 0x00000010..0x00000013');
      t.type('continue\r');
      await t.expect('continue');
      await new Promise((resolve) => setTimeout(resolve, 400));
      t.type('\x03');
      const forward = await t.expect(/interrupted at icount (\d+), pc 0x[0-9a-f]{8}/);
      const at = Number(/interrupted at icount (\d+)/.exec(forward)![1]);
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThan(end);
      await t.expect(new RegExp(`\\(hvrr ${at} M 0x[0-9a-f]{8}\\) `));
      // Backwards from the end: at some tens of millions of instructions a second, 100 ms stays far from the start.
      expect(await t.run(`goto ${end}`)).toContain('at the end of the recording');
      t.type('rc\r');
      await t.expect('rc');
      await new Promise((resolve) => setTimeout(resolve, 100));
      t.type('\x03');
      const backward = await t.expect(/interrupted at icount (\d+)/);
      const back = Number(/interrupted at icount (\d+)/.exec(backward)![1]);
      expect(back).toBeLessThan(end);
      expect(back).toBeGreaterThan(0);
      await t.expect(/\(hvrr \d+ M 0x[0-9a-f]{8}\) /);
      t.type('quit\r');
      expect(await t.exited).toBe(0);
    } finally {
      child.kill();
    }
  });
});
