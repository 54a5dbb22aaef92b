// The guest kernel under the hypervisor (nested strategy): every program prints what it
// prints on the built-in firmware; two VMs side by side each print what they print
// alone; forwarded system calls take the path ecall -> exit -> injection -> guest
// handler -> sret -> user; exits are counted by reason.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemorySink, type HvrrEvent } from '@hvrr/events';
import { BufferConsole, Machine } from '@hvrr/machine';
import { createHypervisorMachine, type VmSpec } from '@hvrr/hypervisor';

const KERNEL = readFileSync(fileURLToPath(new URL('../packages/guests/images/kernel.elf', import.meta.url)));
const EXPECTED = (name: string) => readFileSync(fileURLToPath(new URL(`../packages/guests/expected/${name}.txt`, import.meta.url)), 'utf8');
const BUDGET = 2_000_000_000;

function vm(bootargs: string, extra: Partial<VmSpec> = {}): VmSpec {
  return { image: KERNEL, imagePath: 'kernel.elf', bootargs, ...extra };
}

function runHv(vms: VmSpec[], options: { quantum?: number; sink?: MemorySink } = {}) {
  const console = new BufferConsole();
  const { machine, hypervisor } = createHypervisorMachine({ vms, console, quantum: options.quantum });
  if (options.sink) machine.attachSink(options.sink);
  const outcome = machine.run(BUDGET);
  return { machine, hypervisor, outcome, text: console.text() };
}

function runFirmware(bootargs: string): string {
  const console = new BufferConsole();
  const machine = new Machine({ image: KERNEL, firmware: { kind: 'builtin' }, memSize: 64 * 1024 * 1024, bootargs, console });
  machine.run(BUDGET);
  return console.text();
}

/** The program's own lines (what packages/guests/expected holds). */
const programLines = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('kernel: ') && !l.startsWith('firmware: ')).join('\n') + '\n';

/** One VM's lines of a prefixed console, prefix removed. */
const linesOf = (text: string, id: number) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`[vm${id}] `))
    .map((l) => l.slice(`[vm${id}] `.length))
    .join('\n') + '\n';

describe('the guest kernel under the hypervisor (nested)', () => {
  it.each([
    ['hello', 'init=hello'],
    ['malloc', 'init=malloc'],
    ['memtouch', 'init=memtouch'],
    ['compute', 'init=compute'],
    ['fault', 'init=fault'],
  ])('%s prints the expected output and the same console as on the built-in firmware', (name, bootargs) => {
    const r = runHv([vm(bootargs)]);
    expect(r.outcome).toEqual({ kind: 'pass', how: 'SBI system reset: shutdown' });
    expect(programLines(r.text)).toBe(EXPECTED(name));
    expect(r.text).toBe(runFirmware(bootargs));
  });

  it.each([['init=forkwait -- 50'], ['init=timer']])('%s prints the same console as on the built-in firmware', (bootargs) => {
    const r = runHv([vm(bootargs)]);
    expect(r.outcome?.kind).toBe('pass');
    expect(r.text).toContain(bootargs.includes('forkwait') ? 'forkwait: 50 forks, 50 exits, 50 waits, all statuses right' : 'timer: no sleep ended early');
    expect(r.text).toBe(runFirmware(bootargs));
  });

  it('counts exits by reason; system calls do not exit unless forwarded', () => {
    const r = runHv([vm('init=malloc')]);
    const [stats] = r.hypervisor.vmStats();
    expect(stats!.id).toBe(0);
    expect(stats!.instructions).toBe(r.machine.hart.icount);
    const sum = Object.values(stats!.exits.byReason).reduce((a, b) => a + b, 0);
    expect(sum).toBe(stats!.exits.total);
    expect(stats!.exits.byReason.sbi).toBeGreaterThan(0);
    expect(stats!.exits.byReason.ecall_from_vu).toBeUndefined();
  });
});

describe('forwarded system calls', () => {
  it('malloc: each ecall from VU exits, is injected at vstvec, and returns to user through an emulated sret', () => {
    const sink = new MemorySink();
    const plain = runHv([vm('init=malloc')]);
    const r = runHv([vm('init=malloc', { forwardSyscalls: true })], { sink });
    expect(r.text).toBe(plain.text);
    const events = sink.events;
    const ecalls = events.filter((e) => e.type === 'trap' && e.cause === 8 && e.handler === 'hypervisor');
    expect(ecalls.length).toBeGreaterThan(10);
    const [fwd] = r.hypervisor.vmStats();
    const [base] = plain.hypervisor.vmStats();
    expect(fwd!.exits.byReason.ecall_from_vu).toBe(ecalls.length);
    expect(fwd!.exits.total - base!.exits.total).toBeGreaterThanOrEqual(ecalls.length);

    // The path of every forwarded system call, in order.
    for (const [k, ecall] of ecalls.entries()) {
      const i = events.indexOf(ecall);
      const end = k + 1 < ecalls.length ? events.indexOf(ecalls[k + 1]!) : events.length;
      expect(ecall).toMatchObject({ from: 0, to: 1, fromVirt: true, toVirt: false, vm: 0 });
      const exit = events[i + 1]!;
      expect(exit).toMatchObject({ type: 'exit', reason: 'ecall_from_vu', resolution: 'injected', epc: ecall.type === 'trap' ? ecall.epc : -1 });
      const injected = events[i + 2]!;
      expect(injected).toMatchObject({ type: 'trap', cause: 8, handler: 'guest', from: 0, to: 1, toVirt: true });
      // The guest kernel handles it and returns to user mode (before the next system call;
      // the last one, exit, never returns): an sret exit (VTSR) and its emulation.
      if (k === ecalls.length - 1) break;
      const back = events.slice(i + 3, end).find((e) => e.type === 'xret' && e.to === 0);
      expect(back).toMatchObject({ type: 'xret', from: 1, to: 0 });
      const sretExit = events[events.indexOf(back!) - 1]!;
      expect(sretExit).toMatchObject({ type: 'exit', reason: 'virtual_instruction', resolution: 'sret' });
    }
  });
});

describe('several VMs on one hart', () => {
  it('hello and compute side by side: prefixed lines, each VM prints what it prints alone', () => {
    const both = runHv([vm('init=hello'), vm('init=compute')]);
    expect(both.outcome).toEqual({ kind: 'pass', how: 'every VM shut down' });
    const alone0 = runHv([vm('init=hello')]);
    const alone1 = runHv([vm('init=compute')]);
    expect(linesOf(both.text, 0)).toBe(alone0.text);
    expect(linesOf(both.text, 1)).toBe(alone1.text);
    expect(both.text.split('\n').filter((l) => l !== '').every((l) => /^\[vm[01]\] /.test(l))).toBe(true);
    const stats = both.hypervisor.vmStats();
    expect(stats.map((s) => s.instructions)).toEqual([alone0.machine.hart.icount, alone1.machine.hart.icount]);
    expect(stats[0]!.instructions + stats[1]!.instructions).toBe(both.machine.hart.icount);
  });

  it('a VM sees exactly the same events (at the same VM instruction counts) alone and beside another, whatever the quantum', () => {
    const strip = (events: HvrrEvent[], id: number) =>
      events.filter((e) => e.vm === id).map((e) => JSON.stringify({ ...e, icount: undefined }, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)));
    const aloneSink = new MemorySink();
    const alone = runHv([vm('init=timer')], { sink: aloneSink });
    for (const quantum of [997, 20_000]) {
      const sink = new MemorySink();
      const both = runHv([vm('init=compute -- 1'), vm('init=timer')], { quantum, sink });
      expect(linesOf(both.text, 1)).toBe(alone.text);
      expect(strip(sink.events, 1)).toEqual(strip(aloneSink.events, 0).map((s) => s.replace('"vm":0', '"vm":1')));
    }
  });

  it('the run fails when one VM fails, and says which', () => {
    const r = runHv([vm('init=hello'), vm('init=nosuchprogram')]);
    if (r.outcome?.kind === 'pass') throw new Error(`expected a failure, got pass; console:\n${r.text}`);
    expect(JSON.stringify(r.outcome)).toContain('vm1');
  });

  it('runs are deterministic: the same events twice', () => {
    const a = new MemorySink();
    const b = new MemorySink();
    runHv([vm('init=forkwait -- 5'), vm('init=timer')], { quantum: 5000, sink: a });
    runHv([vm('init=forkwait -- 5'), vm('init=timer')], { quantum: 5000, sink: b });
    expect(b.events).toEqual(a.events);
    expect(a.events.some((e) => e.type === 'exit')).toBe(true);
  });
});
