import { describe, expect, it } from 'vitest';
import { GdbStub, PAST_IS_READ_ONLY, type StubAction } from './gdb-stub.js';
import { CODE_BASE, DATA_ADDR, FakeEngine, LOOP, STORE_SLOT } from './testing/fake-engine.js';
import { le32Hex, textToHex, hexToText } from './hex.js';
import { FIRST_CSR_REGNUM, PRIV_REGNUM } from './target-description.js';

function reply(a: StubAction): string {
  if (a.kind !== 'reply') throw new Error(`expected a reply, got ${a.kind}`);
  return a.data;
}

async function run(stub: GdbStub, packet: string): Promise<string> {
  const a = stub.handle(packet);
  if (a.kind !== 'run') throw new Error(`expected a run, got ${a.kind}`);
  return stub.resume(a.direction, a.mode, () => false);
}

function setup(end = 1000) {
  const engine = new FakeEngine(end);
  const notes: string[] = [];
  return { engine, stub: new GdbStub(engine, (l) => notes.push(l)), notes };
}

describe('GdbStub', () => {
  it('announces the features gdb needs', () => {
    const { stub } = setup();
    const r = reply(stub.handle('qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+'));
    for (const f of ['PacketSize=', 'qXfer:features:read+', 'ReverseStep+', 'ReverseContinue+', 'QStartNoAckMode+', 'vContSupported+', 'swbreak+']) expect(r).toContain(f);
    expect(stub.handle('QStartNoAckMode')).toEqual({ kind: 'reply', data: 'OK', noAckAfter: true });
  });

  it('serves target.xml in pieces that join up to a riscv:rv32 description', () => {
    const { stub } = setup();
    let xml = '';
    for (let off = 0; ; off += 200) {
      const r = reply(stub.handle(`qXfer:features:read:target.xml:${off.toString(16)},c8`));
      xml += r.slice(1);
      if (r[0] === 'l') break;
      expect(r[0]).toBe('m');
    }
    expect(xml).toContain('<architecture>riscv:rv32</architecture>');
    expect(xml).toContain('<feature name="org.gnu.gdb.riscv.cpu">');
    expect(xml).toContain('<feature name="org.gnu.gdb.riscv.csr">');
    expect(xml).toContain(`<reg name="mstatus" bitsize="32" type="int" regnum="${FIRST_CSR_REGNUM + 0x300}"`);
    expect(xml).toContain('<reg name="pc" bitsize="32" type="code_ptr" regnum="32"/>');
    expect(xml.match(/<reg /g)!.length).toBeGreaterThan(33 + 20);
    expect(reply(stub.handle('qXfer:features:read:other.xml:0,100'))).toBe('E00');
  });

  it('reads registers (g, p) and memory (m) at the current position', () => {
    const { stub, engine } = setup();
    engine.seek(37);
    const g = reply(stub.handle('g'));
    expect(g.length).toBe(33 * 8);
    expect(g.slice(5 * 8, 6 * 8)).toBe(le32Hex(37));
    expect(g.slice(10 * 8, 11 * 8)).toBe(le32Hex(111));
    expect(g.slice(32 * 8)).toBe(le32Hex(CODE_BASE + 4 * (37 % LOOP)));
    expect(reply(stub.handle('p20'))).toBe(le32Hex(CODE_BASE + 4 * 5));
    expect(reply(stub.handle(`p${(FIRST_CSR_REGNUM + 0x300).toString(16)}`))).toBe(le32Hex(0x1800));
    expect(reply(stub.handle(`p${(FIRST_CSR_REGNUM + 0x341).toString(16)}`))).toBe(le32Hex(0x1234));
    expect(reply(stub.handle(`p${PRIV_REGNUM.toString(16)}`))).toBe(le32Hex(3));
    expect(reply(stub.handle('p3000'))).toMatch(/^E/);
    expect(reply(stub.handle(`m${DATA_ADDR.toString(16)},4`))).toBe(le32Hex(2)); // stores at 7 and 23 before 37
    expect(reply(stub.handle('m10,4'))).toBe('E14');
    // A read that runs off the end of memory returns the mapped part.
    expect(reply(stub.handle(`m${(CODE_BASE + 0x10000 - 2).toString(16)},8`))).toHaveLength(4);
  });

  it('refuses every write with the reason, and logs it', () => {
    const { stub, notes } = setup();
    for (const p of ['G' + '00'.repeat(132), 'P5=01000000', `M${DATA_ADDR.toString(16)},4:01020304`, `X${DATA_ADDR.toString(16)},1:a`]) {
      const r = reply(stub.handle(p));
      expect(r).toBe(`E.${PAST_IS_READ_ONLY}`);
    }
    expect(notes).toHaveLength(4);
    expect(notes[0]).toContain("the past can't be changed");
  });

  it('continues to a breakpoint and reports swbreak; Z1 reports hwbreak', async () => {
    const { stub, engine } = setup();
    expect(reply(stub.handle(`Z0,${(CODE_BASE + 12).toString(16)},4`))).toBe('OK');
    expect(await run(stub, 'c')).toBe('T05swbreak:;thread:1;');
    expect(engine.icount).toBe(3);
    expect(await run(stub, 'vCont;c:1')).toBe('T05swbreak:;thread:1;');
    expect(engine.icount).toBe(3 + LOOP);
    expect(reply(stub.handle(`z0,${(CODE_BASE + 12).toString(16)},4`))).toBe('OK');
    stub.handle(`Z1,${(CODE_BASE + 16).toString(16)},4`);
    expect(await run(stub, 'c')).toBe('T05hwbreak:;thread:1;');
    expect(engine.icount).toBe(4 + LOOP);
    expect(reply(stub.handle('?'))).toBe('T05hwbreak:;thread:1;');
  });

  it('reverse-continues to a breakpoint and to the start (replaylog:begin)', async () => {
    const { stub, engine } = setup();
    engine.seek(100);
    stub.handle(`Z0,${(CODE_BASE + 8).toString(16)},4`);
    expect(await run(stub, 'bc')).toBe('T05swbreak:;thread:1;');
    expect(engine.icount).toBe(98);
    stub.handle(`z0,${(CODE_BASE + 8).toString(16)},4`);
    expect(await run(stub, 'bc')).toBe('T05replaylog:begin;thread:1;');
    expect(engine.icount).toBe(0);
    expect(await run(stub, 'bs')).toBe('T05replaylog:begin;thread:1;');
  });

  it('steps forwards and backwards, and reports the end of the trace', async () => {
    const { stub, engine } = setup(50);
    expect(await run(stub, 's')).toBe('T05thread:1;');
    expect(await run(stub, 'vCont;s:1')).toBe('T05thread:1;');
    expect(engine.icount).toBe(2);
    expect(await run(stub, 'bs')).toBe('T05thread:1;');
    expect(engine.icount).toBe(1);
    expect(await run(stub, 'c')).toBe('T05replaylog:end;thread:1;');
    expect(engine.icount).toBe(50);
  });

  it('stops at write watchpoints both ways, naming the address', async () => {
    const { stub, engine } = setup();
    expect(reply(stub.handle(`Z2,${DATA_ADDR.toString(16)},4`))).toBe('OK');
    expect(await run(stub, 'c')).toBe(`T05watch:${DATA_ADDR.toString(16)};thread:1;`);
    // Reported before the store (gdb then steps over it itself, as for RISC-V hardware watchpoints).
    expect(engine.icount).toBe(STORE_SLOT);
    engine.seek(300);
    expect(await run(stub, 'bc')).toBe(`T05watch:${DATA_ADDR.toString(16)};thread:1;`);
    // Going backwards: reported just after the store; gdb's reverse step lands on it.
    expect(engine.icount).toBe(18 * LOOP + STORE_SLOT + 1);
    stub.handle(`z2,${DATA_ADDR.toString(16)},4`);
    stub.handle(`Z4,${DATA_ADDR.toString(16)},4`);
    expect(await run(stub, 'c')).toBe(`T05awatch:${DATA_ADDR.toString(16)};thread:1;`);
  });

  it('answers thread and attach queries for its one thread, and unknown packets with nothing', () => {
    const { stub } = setup();
    expect(reply(stub.handle('qAttached'))).toBe('1');
    expect(reply(stub.handle('qfThreadInfo'))).toBe('m1');
    expect(reply(stub.handle('qsThreadInfo'))).toBe('l');
    expect(reply(stub.handle('qC'))).toBe('QC1');
    expect(reply(stub.handle('Hg0'))).toBe('OK');
    expect(reply(stub.handle('vCont?'))).toBe('vCont;c;C;s;S');
    expect(reply(stub.handle('qTStatus'))).toBe('');
    expect(reply(stub.handle('vMustReplyEmpty'))).toBe('');
    expect(reply(stub.handle('!'))).toBe('');
    expect(stub.handle('D')).toEqual({ kind: 'detach' });
    expect(stub.handle('k')).toEqual({ kind: 'kill' });
  });

  it('runs monitor commands (qRcmd) that report the position', () => {
    const { stub, engine } = setup();
    engine.seek(42);
    expect(hexToText(reply(stub.handle(`qRcmd,${textToHex('icount')}`)))).toBe('42\n');
    expect(hexToText(reply(stub.handle(`qRcmd,${textToHex('where')}`)))).toContain('icount 42 of 1000, M-mode, pc 0x80000028');
    expect(hexToText(reply(stub.handle(`qRcmd,${textToHex(`lastwrite ${DATA_ADDR}`)}`)))).toContain(`icount ${2 * LOOP + STORE_SLOT}`);
    expect(hexToText(reply(stub.handle(`qRcmd,${textToHex('bogus')}`)))).toContain("unknown monitor command 'bogus'");
  });
});
