// gdb-multiarch drives `hvrr debug --gdb` on a trace recorded here, and every register
// and memory read it makes equals an independent forward replay (`hvrr replay --until`'s
// Replayer) stopped at the same instruction count.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { replayFile, TimeMachine } from '@hvrr/replayer';
import { framePacket, RspDecoder, startGdbServer } from '../packages/debugger/src/index.js';
import { ensureBuilt, hvrr, REPO_ROOT } from './support/hvrr-cli.js';

const run = promisify(execFile);
const haveGdb = spawnSync('gdb-multiarch', ['--version']).status === 0;
const ELF = join(REPO_ROOT, 'packages/guests/images/bare-arith.elf');
const CHECKS = 0x80001710; // `static int checks` in bare/programs/arith.c (llvm-nm)

interface Checkpoint {
  name: string;
  minstret: number;
  regs: Map<string, number>;
  checks: number;
  pcSymbol: string;
}

/** Splits gdb's stdout at `echo @@NAME` markers; reads `p $minstret`, `info registers` and `x/1wx`. */
function checkpoints(stdout: string): Checkpoint[] {
  return stdout
    .split('@@')
    .slice(1)
    .map((block) => {
      const name = block.slice(0, block.indexOf('\n'));
      const minstret = Number(/^\$\d+ = (\d+)$/m.exec(block)?.[1] ?? NaN);
      const regs = new Map<string, number>();
      for (const m of block.matchAll(/^(\w+)\s+0x([0-9a-f]+)\s/gm)) regs.set(m[1]!, parseInt(m[2]!, 16));
      const checks = parseInt(/<checks>:\s+0x([0-9a-f]+)/.exec(block)?.[1] ?? 'NaN', 16);
      const pcSymbol = /^pc\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <([^>]+)>/m.exec(block)?.[1] ?? '';
      return { name, minstret, regs, checks, pcSymbol };
    });
}

const GPR_NAMES = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];

describe.skipIf(!haveGdb)('gdb-multiarch against hvrr debug --gdb', () => {
  let dir = '';
  let trace = '';
  let server: ChildProcess | null = null;

  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'hvrr-gdb-'));
    trace = join(dir, 'arith.hvrr');
    const r = hvrr(['record', ELF, '-o', trace]);
    expect(r.status, r.stderr).toBe(0);
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startServer(): Promise<{ port: number; stderr: () => string; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/hvrr.js'), 'debug', trace, '--gdb', '0'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    let err = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (b: Buffer) => {
        err += b.toString();
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`hvrr debug exited: ${err}`)));
    });
    return { port, stderr: () => err, exited };
  }

  it('breaks, steps back, reverse-continues to a watchpoint; every read equals the forward replay', async () => {
    const { port, stderr, exited } = await startServer();
    const checkpoint = (name: string) => [`echo @@${name}\\n`, 'p $minstret', 'info registers', 'x/1wx &checks'];
    const commands = [
      'set architecture riscv:rv32',
      'set confirm off',
      'set pagination off',
      `target remote 127.0.0.1:${port}`,
      ...checkpoint('start'),
      'break main',
      'continue',
      ...checkpoint('main'),
      'stepi',
      'stepi',
      'stepi',
      'reverse-stepi',
      ...checkpoint('reverse-stepi'),
      'delete',
      'watch *(int *)&checks',
      'continue',
      ...checkpoint('first-write'),
      'continue',
      ...checkpoint('second-write'),
      'reverse-continue',
      ...checkpoint('back-to-second-write'),
      'reverse-continue',
      ...checkpoint('back-to-first-write'),
      'reverse-stepi',
      ...checkpoint('before-first-write'),
      'monitor icount',
      'set var $a0 = 1',
      'detach',
    ];
    const gdb = await run('gdb-multiarch', ['-nx', '-batch', ...commands.flatMap((c) => ['-ex', c]), ELF], { timeout: 60_000 }).catch((e: { stdout: string; stderr: string }) => e);
    expect(await exited).toBe(0); // the server ends with the session
    const cps = checkpoints(gdb.stdout);
    expect(cps.map((c) => c.name)).toEqual(['start', 'main', 'reverse-stepi', 'first-write', 'second-write', 'back-to-second-write', 'back-to-first-write', 'before-first-write']);
    const at = Object.fromEntries(cps.map((c) => [c.name, c]));

    expect(at.start!.minstret).toBe(0);
    expect(at.start!.regs.get('pc')).toBe(0x80000000);
    expect(at.main!.pcSymbol).toMatch(/^main/);
    expect(at['reverse-stepi']!.minstret).toBe(at.main!.minstret + 2);
    // The watchpoint: forwards it stops just after each write, backwards at the writing instruction.
    expect(at['first-write']!.checks).toBe(1);
    expect(at['second-write']!.checks).toBe(2);
    expect(at['back-to-second-write']!.minstret).toBe(at['second-write']!.minstret - 1);
    expect(at['back-to-second-write']!.checks).toBe(1);
    expect(at['back-to-first-write']!.minstret).toBe(at['first-write']!.minstret - 1);
    expect(at['back-to-first-write']!.checks).toBe(0);
    expect(at['before-first-write']!.minstret).toBe(at['back-to-first-write']!.minstret - 1);
    expect(gdb.stdout).toMatch(/Old value = 2\s+New value = 1/);
    // The monitor command and the write refusal.
    expect(gdb.stderr).toMatch(new RegExp(`^${at['before-first-write']!.minstret}$`, 'm'));
    expect(gdb.stderr).toMatch(/Could not write register "a0"; remote failure reply 'E\.the past can't be changed: this is a recording'/);
    expect(stderr()).toContain("refused 'P' (register write): the past can't be changed");

    // An independent forward run to each instruction count reads the same registers and memory.
    for (const c of cps) {
      const { replayer, reader } = await replayFile(trace, { verify: false, until: c.minstret, output: null });
      try {
        const hart = replayer.machine.hart;
        expect(hart.icount, c.name).toBe(c.minstret);
        expect(c.regs.get('pc'), `${c.name} pc`).toBe(hart.pc >>> 0);
        for (let i = 1; i < 32; i++) expect(c.regs.get(GPR_NAMES[i]!), `${c.name} x${i}`).toBe(hart.x[i]! >>> 0);
        expect(c.checks, `${c.name} checks`).toBe(replayer.machine.bus.read(CHECKS, 4) >>> 0);
      } finally {
        reader.close();
      }
    }
  });

  it('rejects an unreadable trace and a bad port with status 125 and one line', () => {
    const hvrr = (args: string[]) => {
      const r = spawnSync(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/hvrr.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
      return { status: r.status, stderr: r.stderr };
    };
    const bad = hvrr(['debug', join(dir, 'missing.hvrr'), '--gdb', '0']);
    expect(bad.status).toBe(125);
    expect(bad.stderr).toMatch(/^hvrr: /);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const port = hvrr(['debug', trace, '--gdb', '70000']);
    expect(port.status).toBe(125);
    expect(port.stderr).toContain("invalid --gdb port '70000'");
  });

  it('stops a long continue and reverse-continue of the real time machine on gdb\'s interrupt byte', async () => {
    // bare-bench: about 155 million instructions, recorded at the inputs level in about a second.
    const bench = join(dir, 'bench.hvrr');
    const rec = hvrr(['record', join(REPO_ROOT, 'packages/guests/images/bare-bench.elf'), '-o', bench, '--level', 'inputs']);
    expect(rec.status, rec.stderr).toBe(0);
    const tm = TimeMachine.open(bench);
    const srv = await startGdbServer(tm, { port: 0 });
    const socket = connect(srv.address.port, '127.0.0.1');
    const decoder = new RspDecoder();
    const replies: string[] = [];
    let wake: (() => void) | null = null;
    socket.on('data', (b) => {
      for (const i of decoder.feed(b)) if (i.kind === 'packet') replies.push(i.data);
      wake?.();
    });
    const next = async () => {
      while (replies.length === 0) await new Promise<void>((r) => (wake = r));
      return replies.shift()!;
    };
    const ask = (p: string) => (socket.write(framePacket(p)), next());
    try {
      await new Promise<void>((r) => socket.once('connect', () => r()));
      expect(await ask('QStartNoAckMode')).toBe('OK');
      expect(await ask('Z3,10,4')).toBe('OK'); // a read of 0x10: never happens, the search would run to the end
      socket.write(framePacket('vCont;c'));
      await new Promise((r) => setTimeout(r, 300));
      socket.write('\x03');
      expect(await next()).toBe('T02thread:1;');
      const at = tm.icount;
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThan(tm.endIcount);
      // Registers answer at once, from the interrupted position.
      expect(await ask('p20')).toMatch(/^[0-9a-f]{8}$/);
      socket.write(framePacket('bc'));
      await new Promise((r) => setTimeout(r, 100));
      socket.write('\x03');
      const back = await next();
      expect(back === 'T02thread:1;' || back === 'T05replaylog:begin;thread:1;').toBe(true);
      expect(tm.icount).toBeLessThan(at);
      socket.write(framePacket('D'));
      expect(await next()).toBe('OK');
      expect(await srv.sessionEnded).toBe('detach');
    } finally {
      socket.destroy();
      await srv.close();
    }
  });
});
