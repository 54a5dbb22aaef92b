// The REPL on a two-VM hypervisor trace, in a pseudo-terminal (script(1)) as a person
// uses it: `vm 1` looks at vm1's vCPU, goto/step/back move by vm1's own instruction
// counts, a breakpoint set in vm1 stops only vm1, and `where` names VM, mode, both
// counts and guest time. Registers shown equal an independent forward replay.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayFile } from '@hvrr/replayer';
import { ensureBuilt, hvrr, REPO_ROOT } from './support/hvrr-cli.js';
import { haveScript, Terminal } from './support/terminal.js';

const KERNEL = 'packages/guests/images/kernel.elf';

describe.skipIf(!haveScript)('hvrr debug REPL on a two-VM trace', () => {
  let dir = '';
  let trace = '';
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'hvrr-repl-hv-'));
    trace = join(dir, 'two.hvrr');
    const r = hvrr(['record', '--hv', KERNEL, '--bootargs', 'init=hello', '--vm', `image=${KERNEL},bootargs=init=forkwait -- 3`, '--level', 'events', '-o', trace]);
    expect(r.status, r.stderr).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('vm 1 looks at vm1: where, goto/step/back by its own count, regs, break in vm1 only, back to the machine', async () => {
    const child = spawn('script', ['-qfec', `${process.execPath} packages/cli/bin/hvrr.js debug ${trace}`, '/dev/null'], { cwd: REPO_ROOT, env: { ...process.env, HVRR_HISTORY: '', TERM: 'xterm' } });
    const t = new Terminal(child);
    try {
      expect(await t.expect('(hvrr 0 VS 0x80400000) ')).toMatch(/\d+ instructions recorded, 2 VMs \(vm N looks at one\)/);
      expect((await t.runWithPrompt('where')).out).toContain('VM 0 (its icount 0), icount 0 of');

      const list = await t.runWithPrompt('vm');
      expect(list.out).toMatch(/vm0 {2}VS {2}pc 0x80400000 {2}icount 0 {2}on the hart/);
      expect(list.out).toMatch(/vm1 {2}VS {2}pc 0x80400000 {2}icount 0 {2}switched out/);

      const sel = await t.runWithPrompt('vm 1');
      expect(sel.out).toContain('looking at vm1: vm1 (switched out), VS-mode, pc 0x80400000, vm1 icount 0 of');
      expect(sel.prompt).toBe('(hvrr vm1 0 VS 0x80400000) ');

      // goto N is vm1's own instruction N: the machine is wherever vm1 retired it.
      const go = await t.runWithPrompt('goto 320000');
      expect(go.out).toMatch(/^vm1 icount 320000 \(machine \d+\), pc 0x[0-9a-f]{8}/);
      expect(go.prompt).toMatch(/^\(hvrr vm1 320000 VS /);
      const where = (await t.runWithPrompt('where')).out;
      const m = /vm1 \(on the hart\), VS-mode, pc (0x[0-9a-f]{8}), vm1 icount 320000 of \d+, machine icount (\d+) of \d+, guest time 3200 ticks \(320\.000 µs\)/.exec(where);
      expect(m, where).not.toBeNull();
      const machineAt = Number(m![2]);

      // Its registers equal an independent forward replay to that machine count (vm1 is on the hart there).
      const regs = (await t.runWithPrompt('regs')).out;
      const { replayer, reader } = await replayFile(trace, { verify: false, until: machineAt, output: null });
      try {
        const hart = replayer.machine.hart;
        const hv = replayer.machine.host as unknown as { current: { id: number } };
        expect(hv.current.id).toBe(1);
        expect(regs).toContain(`pc   0x${(hart.pc >>> 0).toString(16).padStart(8, '0')}  mode VS`);
        expect(regs).toContain(`x2 sp   0x${(hart.x[2]! >>> 0).toString(16).padStart(8, '0')}`);
        expect(regs).toContain(`x10 a0   0x${(hart.x[10]! >>> 0).toString(16).padStart(8, '0')}`);
      } finally {
        reader.close();
      }

      expect((await t.runWithPrompt('step 3')).prompt).toMatch(/^\(hvrr vm1 320003 VS /);
      expect((await t.runWithPrompt('back')).prompt).toMatch(/^\(hvrr vm1 320002 VS /);

      // The trap vector both VMs' kernels use: a breakpoint set in vm1 stops vm1 only.
      expect((await t.runWithPrompt('break 0x80400038')).out).toContain('breakpoint 1 at 0x80400038 in vm1');
      const hit = (await t.runWithPrompt('c')).out;
      expect(hit).toMatch(/^breakpoint 1 at vm1 icount (\d+) \(machine (\d+)\), pc 0x80400038\n=> 0x80400038: {2}14011173 {2}csrrw sp, sscratch, sp/);
      expect((await t.runWithPrompt('where')).out).toMatch(/^vm1 \(on the hart\)/);
      const second = (await t.runWithPrompt('c')).out;
      expect(second).toMatch(/^breakpoint 1 at vm1 icount \d+/);
      const first = Number(/vm1 icount (\d+)/.exec(hit)![1]);
      expect((await t.runWithPrompt('rc')).out).toContain(`breakpoint 1 at vm1 icount ${first} `);

      // vm0 seen from here: switched out or stopped, its own count and pc.
      const v0 = await t.runWithPrompt('vm 0');
      expect(v0.out).toMatch(/looking at vm0: vm0 \((switched out|stopped)\)/);
      expect((await t.runWithPrompt('vm machine')).out).toContain('looking at the machine (the hart): VM 1');
      const w = (await t.runWithPrompt('where')).out;
      expect(w).toMatch(new RegExp(`^VM 1 \\(its icount ${first}\\), icount \\d+ of \\d+, VS-mode, pc 0x80400038`));
      expect((await t.runWithPrompt('vm 7')).out).toContain('no vm7: this trace has 2 VMs (vm0..vm1)');
      t.child.stdin.write('quit\r');
      expect(await t.exited).toBe(0);
    } finally {
      child.kill();
    }
  });
});
