import { describe, expect, it } from 'vitest';
import { QUIT, ReplSession } from './repl-session.js';
import { SymbolTable } from './symbols.js';
import { CODE_BASE, DATA_ADDR, FakeEngine, LOOP, STORE_SLOT } from './testing/fake-engine.js';

function setup(end = 1000) {
  const engine = new FakeEngine(end);
  return { engine, repl: new ReplSession(engine) };
}

describe('ReplSession', () => {
  it('moves with goto, step, back and shows the position in the prompt', async () => {
    const { engine, repl } = setup();
    expect(await repl.execute('goto 100')).toContain('icount 100, pc 0x80000010');
    expect(repl.position()).toBe('100 M 0x80000010');
    expect(await repl.execute('step 5')).toMatch(/^icount 105/);
    expect(await repl.execute('back')).toMatch(/^icount 104/);
    expect(await repl.execute('')).toMatch(/^icount 103/); // an empty line repeats back
    expect(await repl.execute('bs 1000')).toMatch(/^at the start of the recording/);
    expect(await repl.execute('goto 0x3e8')).toMatch(/^at the end of the recording/);
    expect(await repl.execute('goto 1001')).toBe('the recording ends at instruction 1000');
    expect(engine.icount).toBe(1000);
  });

  it('continues to breakpoints and watchpoints both ways', async () => {
    const { engine, repl } = setup();
    expect(await repl.execute(`break 0x${(CODE_BASE + 8).toString(16)}`)).toBe('breakpoint 1 at 0x80000008');
    expect(await repl.execute('c')).toMatch(/^breakpoint 1 at icount 2, pc 0x80000008\n=> 0x80000008:  [0-9a-f]{8}  addi t0, t0, 1/);
    expect(await repl.execute(`watch w ${DATA_ADDR}:4`)).toBe('watchpoint 2: write 0x80001000..0x80001003 (4 bytes)');
    expect(await repl.execute('delete 1')).toBe('deleted 1');
    expect(await repl.execute('continue')).toMatch(/^watchpoint 2: write of 0x80001000 at icount 8/);
    await repl.execute('goto 500');
    expect(await repl.execute('rc')).toMatch(new RegExp(`^watchpoint 2: write of 0x80001000 at icount ${30 * LOOP + STORE_SLOT}`));
    expect(await repl.execute('info')).toBe('watchpoint 2: write 0x80001000..0x80001003 (4 bytes)');
    expect(await repl.execute('delete')).toMatch(/^deleted 1/);
    expect(await repl.execute('reverse-continue')).toMatch(/^at the start/);
    expect(engine.icount).toBe(0);
  });

  it('shows registers, CSRs, memory, disassembly, events, the page table and the last write', async () => {
    const { repl } = setup();
    await repl.execute('goto 37');
    const regs = await repl.execute('regs');
    expect(regs).toContain('pc   0x80000014  mode M');
    expect(regs).toContain(' x5 t0   0x00000025');
    expect(await repl.execute('csrs')).toMatch(/mstatus\s+0x00001800/);
    expect(await repl.execute(`x/2 ${DATA_ADDR}`)).toBe('0x80001000:  0x00000002  0x00000000');
    expect(await repl.execute('x/1 0x10')).toBe('0x00000010:  (unmapped)');
    // Registers as gdb writes them: $pc, ABI names, xN, with an offset.
    expect(await repl.execute('disasm $pc 1')).toContain('0x80000014:');
    expect(await repl.execute('x/1 $t0')).toBe(await repl.execute('x/1 0x25'));
    expect(await repl.execute('x/1 $x5+4')).toBe(await repl.execute('x/1 0x29'));
    expect(await repl.execute('x/1 $q9')).toMatch(/unknown register '\$q9'/);
    const dis = String(await repl.execute('disasm 0x80000018 3'));
    expect(dis.split('\n')).toHaveLength(3);
    expect(dis).toContain('0x8000001c:');
    expect(dis).toMatch(/sw t0, 0\(zero\)/);
    expect(await repl.execute('disasm')).toContain('=> 0x80000014:');
    expect(await repl.execute('events 100')).toContain('#50 hash h50');
    expect(await repl.execute('pagetable')).toContain('0x00010000 -> 0x80010000  rwxu-ad');
    expect(await repl.execute(`lastwrite ${DATA_ADDR}`)).toContain('icount 23');
    expect(await repl.execute('where')).toBe('icount 37 of 1000, M-mode, pc 0x80000014, guest time 0 ticks (0 ns)');
  });

  it('takes symbols for addresses and names addresses after them', async () => {
    const engine = new FakeEngine();
    const symbols = new SymbolTable([
      { name: 'loop', value: CODE_BASE, size: 64, type: 'func' },
      { name: 'counter', value: DATA_ADDR, size: 4, type: 'object' },
      { name: '__data_start', value: DATA_ADDR, size: 0, type: 'notype' },
    ]);
    const repl = new ReplSession(engine, { symbols });
    expect(await repl.execute('break loop+8')).toBe('breakpoint 1 at 0x80000008 <loop+8>');
    expect(await repl.execute('c')).toMatch(/^breakpoint 1 at icount 2, pc 0x80000008\n=> 0x80000008 <loop\+8>:/);
    expect(await repl.execute('watch counter')).toBe('watchpoint 2: write 0x80001000 <counter>..0x80001003 (4 bytes)');
    expect(await repl.execute('x/1wx counter')).toBe('0x80001000:  0x00000000');
    expect(await repl.execute('disasm loop 1')).toMatch(/^   0x80000000 <loop>:/);
    expect(await repl.execute('break nosuch')).toBe("no symbol 'nosuch' in the recorded ELF");
    expect(await new ReplSession(engine).execute('break main')).toContain('the recording has no symbols');
    expect(symbols.nameFor(CODE_BASE + 64)).toBeUndefined();
  });

  it('names the running VM in where, on hypervisor traces', async () => {
    const engine = new FakeEngine();
    engine.hart.priv = 0;
    (engine.hart as { virt?: number }).virt = 1;
    let vm: string | undefined = '1';
    const repl = new ReplSession(engine, { vm: () => vm });
    expect(await repl.execute('where')).toBe('VM 1, icount 0 of 1000, VU-mode, pc 0x80000000, guest time 0 ticks (0 ns)');
    vm = undefined;
    expect(await repl.execute('where')).toMatch(/^icount 0 of 1000/);
    expect(repl.position()).toBe('0 VU 0x80000000');
  });

  it('explains bad input and quits on quit', async () => {
    const { repl } = setup();
    expect(await repl.execute('frobnicate')).toBe("unknown command 'frobnicate' (type help for the list)");
    expect(await repl.execute('goto')).toBe('usage: goto N (an instruction count)');
    expect(await repl.execute('goto ten')).toContain("bad instruction count 'ten'");
    expect(await repl.execute('break 0x1_0000_0000')).toContain('more than 32 bits');
    expect(await repl.execute('x/0 0x80000000')).toContain('between 1 and 4096');
    expect(await repl.execute('watch q 0x10')).toContain('usage: watch [r|w|a] ADDR[:LEN]');
    expect(await repl.execute('delete 9')).toContain('no breakpoint or watchpoint 9');
    expect(await repl.execute('help')).toContain('reverse-continue [EV..] (rc)');
    expect(await repl.execute('c traps')).toBe("unknown event 'traps': use trap, syscall, ptw, irq, exit, hpf");
    expect(await repl.execute('quit')).toBe(QUIT);
  });

  it('stops a long continue when interrupted', async () => {
    const engine = new FakeEngine(Number.MAX_SAFE_INTEGER);
    const repl = new ReplSession(engine);
    const pending = repl.execute('continue');
    await new Promise((r) => setTimeout(r, 100));
    expect(repl.isRunning).toBe(true);
    repl.interrupt();
    expect(await pending).toMatch(/^interrupted at icount \d+/);
    expect(repl.isRunning).toBe(false);
  });
});
