// The gdb server's thread packets on a two-VM trace, packet by packet against the real
// time machine (no socket): thread list and names, Hg/Hc/T, g/m through the selected
// VM, vCont;s:T and bs stepping in a VM, stop replies naming the VM's thread, monitor vm.
import { describe, it, expect } from 'vitest';
import { BufferConsole } from '@hvrr/machine';
import { MemoryOutput, Recorder, TraceWriter, runConfig } from '@hvrr/recorder';
import { TimeMachine, TraceReader } from '@hvrr/replayer';
import { GdbStub, type StubAction } from '../packages/debugger/src/index.js';
import { hexToText, textToHex } from '../packages/debugger/src/hex.js';
import { guestImage } from './time-travel-support.js';

function twoVmMachine(): TimeMachine {
  const kernel = guestImage('kernel.elf');
  const vm = (bootargs: string) => ({ image: kernel, imagePath: 'kernel.elf', memSize: 16 << 20, strategy: 'nested' as const, bootargs, forwardSyscalls: false });
  const out = new MemoryOutput();
  const config = runConfig({ elf: kernel, hv: { vms: [vm('init=hello'), vm('init=forkwait -- 3')], quantum: 5000 } });
  new Recorder(config, new BufferConsole(), new TraceWriter(out), { level: 'inputs', hashEvery: 50_000, snapshotEvery: 200_000 }).runToEnd();
  return TimeMachine.fromReader(TraceReader.fromBytes(out.bytes()));
}

const le32 = (hex: string, at: number) => {
  const b = hex.slice(at * 8, at * 8 + 8);
  return parseInt(b.slice(6, 8) + b.slice(4, 6) + b.slice(2, 4) + b.slice(0, 2), 16);
};

describe('gdb stub threads on a two-VM trace', () => {
  const tm = twoVmMachine();

  it('lists, names and selects VM threads; reads and steps the selected VM', async () => {
    const stub = new GdbStub(tm);
    const ask = (p: string) => {
      const a = stub.handle(p) as StubAction & { data?: string };
      return a.kind === 'reply' ? a.data! : a;
    };
    expect(ask('qfThreadInfo')).toBe('m1,2,3');
    expect(ask('qsThreadInfo')).toBe('l');
    expect(ask('?')).toBe('T05thread:2;'); // vm0 is on the hart at the start
    expect(hexToText(ask('qThreadExtraInfo,1') as string)).toBe('machine (vm0 on the hart)');
    expect(hexToText(ask('qThreadExtraInfo,3') as string)).toBe('vm1 (VS, switched out)');
    expect(ask('T3')).toBe('OK');
    expect(ask('T4')).toBe('E01');
    expect(ask('Hg4')).toBe('E02');

    // Move the machine to where vm0 runs and vm1 has run: the views differ.
    tm.seekVm(1, 320_000);
    tm.seekVm(0, tm.vmIcount(0) + 100);
    expect(tm.runningVm()).toBe(0);
    const v1 = tm.vmState(1);
    expect(ask('Hg3')).toBe('OK');
    const g = ask('g') as string;
    expect(le32(g, 32)).toBe(v1.pc);
    expect(le32(g, 2)).toBe(v1.x[2]! >>> 0);
    const m = ask(`m${v1.pc.toString(16)},4`) as string;
    expect(m).toBe(Buffer.from(tm.readMemory(v1.pc, 4, 'virtual', 1)!).toString('hex'));

    // stepi in thread 3: vm1's next instruction; the stop names thread 3.
    const step = ask('vCont;s:3;c') as StubAction;
    expect(step).toEqual({ kind: 'run', direction: 'forward', mode: 'step', thread: 3 });
    const reply = await stub.resume('forward', 'step', () => false, 3);
    expect(reply).toBe('T05thread:3;');
    expect(tm.vmIcount(1)).toBe(v1.vmIcount + 1);
    expect(tm.runningVm()).toBe(1);
    // reverse-stepi: Hc0 then bs steps back in the Hg thread.
    expect(ask('Hc0')).toBe('OK');
    const back = ask('bs') as StubAction;
    expect(back).toEqual({ kind: 'run', direction: 'reverse', mode: 'step', thread: 3 });
    await stub.resume('reverse', 'step', () => false, 3);
    expect(tm.vmIcount(1)).toBe(v1.vmIcount);
    // A bare continue is the machine's; with a thread (scheduler-locking) that VM's.
    expect(ask('vCont;c')).toEqual({ kind: 'run', direction: 'forward', mode: 'continue', thread: 1 });
    expect(ask('vCont;c:2')).toEqual({ kind: 'run', direction: 'forward', mode: 'continue', thread: 2 });

    // monitor vm lists and selects; where describes the selected view.
    const list = hexToText(ask(`qRcmd,${textToHex('vm')}`) as string);
    expect(list).toMatch(/\* vm1 {2}VS/);
    expect(hexToText(ask(`qRcmd,${textToHex('vm machine')}`) as string)).toContain('looking at the machine (thread 1)');
    expect(hexToText(ask(`qRcmd,${textToHex('where')}`) as string)).toMatch(/^VM 1 \(its icount \d+\), icount \d+ of/);
    expect(hexToText(ask(`qRcmd,${textToHex('vm 0')}`) as string)).toContain('looking at vm0 (thread 2)');
    expect(hexToText(ask(`qRcmd,${textToHex('where')}`) as string)).toMatch(/^vm0 \(switched out\), VS-mode/);
  });
});
