// The server over TCP: a raw socket checks framing, no-ack mode and interrupts; the real
// gdb-multiarch checks that gdb accepts the target description and drives reverse execution.
import { execFile, spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startGdbServer } from './gdb-server.js';
import { framePacket, RspDecoder } from './rsp-framing.js';
import { CODE_BASE, DATA_ADDR, FakeEngine, LOOP, STORE_SLOT } from './testing/fake-engine.js';

const run = promisify(execFile);
const haveGdb = spawnSync('gdb-multiarch', ['--version']).status === 0;

/** A minimal gdb side: sends packets, collects replies. */
class Client {
  private readonly decoder = new RspDecoder();
  private readonly replies: string[] = [];
  private waiting: (() => void) | null = null;
  readonly raw: string[] = [];
  constructor(readonly socket: Socket) {
    socket.on('data', (b) => {
      this.raw.push(b.toString('latin1'));
      for (const i of this.decoder.feed(b)) if (i.kind === 'packet') this.replies.push(i.data);
      this.waiting?.();
    });
  }
  send(data: string): void {
    this.socket.write(framePacket(data));
  }
  async next(): Promise<string> {
    while (this.replies.length === 0) await new Promise<void>((r) => (this.waiting = r));
    return this.replies.shift()!;
  }
  async ask(data: string): Promise<string> {
    this.send(data);
    return this.next();
  }
}

async function open(engine: FakeEngine) {
  const server = await startGdbServer(engine, { port: 0 });
  const socket = connect(server.address.port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { server, client: new Client(socket) };
}

describe('gdb server', () => {
  it('listens on loopback by default and acknowledges packets until no-ack mode', async () => {
    const { server, client } = await open(new FakeEngine());
    expect(server.address.address).toBe('127.0.0.1');
    expect(await client.ask('QStartNoAckMode')).toBe('OK');
    expect(client.raw.join('')).toBe('+$OK#9a');
    expect(await client.ask('qC')).toBe('QC1');
    expect(client.raw.join('')).toBe('+$OK#9a$QC1#c5'); // no '+' once no-ack mode is on
    client.send('D');
    expect(await client.next()).toBe('OK');
    expect(await server.sessionEnded).toBe('detach');
    await server.close();
  });

  it('stops a long continue when gdb sends the interrupt byte', async () => {
    const engine = new FakeEngine(Number.MAX_SAFE_INTEGER);
    const { server, client } = await open(engine);
    await client.ask('QStartNoAckMode');
    client.send('c');
    await new Promise((r) => setTimeout(r, 150));
    client.socket.write('\x03');
    expect(await client.next()).toBe('T02thread:1;');
    expect(engine.slices).toBeGreaterThan(1);
    expect(engine.icount).toBeGreaterThan(0);
    // Still usable after the interrupt.
    expect(await client.ask('qC')).toBe('QC1');
    client.socket.destroy();
    expect(await server.sessionEnded).toBe('disconnect');
    await server.close();
  });

  it.skipIf(!haveGdb)('is driven by gdb-multiarch: registers, memory, breakpoints, reverse stepping, watchpoints', async () => {
    const engine = new FakeEngine(1000);
    const server = await startGdbServer(engine, { port: 0 });
    const hex = (n: number) => '0x' + n.toString(16);
    const commands = [
      'set architecture riscv:rv32',
      'set confirm off',
      `target remote 127.0.0.1:${server.address.port}`,
      'monitor icount',
      `break *${hex(CODE_BASE + 12)}`,
      'continue',
      'monitor icount',
      'print $t0',
      'stepi',
      'stepi',
      'reverse-stepi',
      'monitor icount',
      'print $pc',
      'print/x $mstatus',
      `x/1wx ${hex(DATA_ADDR)}`,
      'delete',
      'continue',
      'monitor icount',
      `watch *(int *)${hex(DATA_ADDR)}`,
      'reverse-continue',
      'monitor icount',
      `set var *(int *)${hex(DATA_ADDR)} = 5`,
      'set var $a0 = 1',
      'reverse-continue',
      'monitor icount',
      'delete',
      'reverse-continue',
      'monitor icount',
      'detach',
    ];
    const args = ['-nx', '-batch', ...commands.flatMap((c) => ['-ex', c])];
    const gdb = run('gdb-multiarch', args, { timeout: 60_000 }).catch((e: { stdout: string; stderr: string }) => e);
    const { stdout, stderr } = await gdb;
    await server.sessionEnded;
    await server.close();
    const out = stdout + stderr;
    const icounts = [...out.matchAll(/^(\d+)$/gm)].map((m) => Number(m[1]));
    // start, breakpoint at slot 3, after 2 steps and one back, end, watch stop (reverse), next watch back, the start
    expect(icounts.slice(0, 4)).toEqual([0, 3, 4, 1000]);
    expect(out).toMatch(/\$1 = 3\b/); // t0 = icount in the fake
    expect(out).toContain(`$2 = (void (*)()) ${hex(CODE_BASE + 16)}`);
    expect(out).toContain('$3 = 0x1800');
    expect(out).toMatch(new RegExp(`${hex(DATA_ADDR)}:\\s+0x00000000`));
    expect(out).toContain('Hardware watchpoint 2');
    const lastStore = Math.floor((1000 - STORE_SLOT - 1) / LOOP) * LOOP + STORE_SLOT;
    // gdb ends at the storing instruction, not yet executed: pc at the store, the old value in memory.
    expect(icounts[4]).toBe(lastStore);
    expect(icounts[5]).toBe(lastStore - LOOP);
    expect(out).toMatch(/Old value = 63\s+New value = 62\s+0x8000001c in/);
    expect(out).toMatch(/Could not write register "a0"; remote failure reply 'E\.the past can't be changed/);
    expect(out).toContain('No more reverse-execution history');
    expect(icounts[icounts.length - 1]).toBe(0);
    if (process.env.HVRR_SHOW_GDB) console.log(out);
  });
});
