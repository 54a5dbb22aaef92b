// Per-VM views of the time machine on a two-VM hypervisor trace (docs/time-travel.md,
// "VM views"): a VM's registers, CSRs and memory whether it is on the hart or switched
// out, positions by a VM's own instruction count (seekVm), and moves and searches in
// one VM. References come from independent forward runs, never from the time machine.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CSR } from '@hvrr/cpu';
import type { EventSink, HvrrEvent } from '@hvrr/events';
import { BufferConsole, type Machine } from '@hvrr/machine';
import { MemoryOutput, Recorder, TraceWriter, buildMachine, runConfig, runConfigOf } from '@hvrr/recorder';
import { TimeMachine, TimeTravelConsole, TraceReader } from '@hvrr/replayer';

type VmState = ReturnType<TimeMachine['vmState']>;
import { guestImage, replayTo, type RecordedTrace } from './time-travel-support.js';

const QUANTUM = 5000;
/** The guest-visible CSRs of a vCPU that a trap into HS leaves alone. */
const GUEST_CSRS = [CSR.vsstatus, CSR.vstvec, CSR.vsscratch, CSR.vsepc, CSR.vscause, CSR.vstval, CSR.vsatp, CSR.hgatp];

/** vm0: the kernel running hello; vm1: the same kernel running forkwait 3 (the two-VM trace, in memory). */
function recordTwoVms(): RecordedTrace {
  const kernel = guestImage('kernel.elf');
  const vm = (bootargs: string) => ({ image: kernel, imagePath: 'kernel.elf', memSize: 16 << 20, strategy: 'nested' as const, bootargs, forwardSyscalls: false });
  const out = new MemoryOutput();
  const config = runConfig({ elf: kernel, hv: { vms: [vm('init=hello'), vm('init=forkwait -- 3')], quantum: QUANTUM } });
  new Recorder(config, new BufferConsole(), new TraceWriter(out), { level: 'events', hashEvery: 50_000, snapshotEvery: 200_000 }).runToEnd();
  const bytes = out.bytes();
  return { bytes, reader: () => TraceReader.fromBytes(bytes) };
}

interface HvVm {
  id: number;
  running: boolean;
  retired(icount: number): number;
  vcpu: { x: Int32Array; pc: number; virt: number; csr: Int32Array };
}

/** A VM's registers as a forward run holds them: the hart's while it runs, else its saved vCPU. */
function forwardVm(m: Machine, id: number): { count: number; x: number[]; pc: number; csr: number[] } {
  const hv = m.host as unknown as { vms: HvVm[]; current: HvVm | null };
  const vm = hv.vms[id]!;
  const live = hv.current === vm && vm.running;
  const src = live ? m.hart : vm.vcpu;
  // A VM that ended rests inside its last exit (HS): its guest pc is sepc there.
  const pc = !live && vm.vcpu.virt === 0 ? vm.vcpu.csr[CSR.sepc]! : src.pc;
  return { count: vm.retired(m.hart.icount), x: Array.from(src.x), pc: pc >>> 0, csr: GUEST_CSRS.map((n) => src.csr[n]!) };
}

function viewOf(s: VmState): { count: number; x: number[]; pc: number; csr: number[] } {
  return { count: s.vmIcount, x: Array.from(s.x), pc: s.pc, csr: GUEST_CSRS.map((n) => s.csr[n]!) };
}

/** Every VM exit's trap in a forward run: the VM's count, its registers and pc (sepc) as it trapped. */
function exitsOfForwardRun(trace: RecordedTrace): { vm: number; count: number; x: number[]; pc: number; csr: number[] }[] {
  const reader = trace.reader();
  const { machine } = buildMachine(runConfigOf(reader.header), new TimeTravelConsole([]));
  const seen = new Set<string>();
  const out: { vm: number; count: number; x: number[]; pc: number; csr: number[] }[] = [];
  const sink: EventSink = {
    wantsInstructions: false,
    wantsEvents: true,
    instructions() {},
    emit(e: HvrrEvent) {
      if (e.vm === undefined || e.vmIcount === undefined) return;
      if (e.type !== 'trap' && !(e.type === 'irq' && e.action === 'taken')) return;
      const key = `${e.vm}:${e.vmIcount}`;
      // Only the first trap at a count: a VS interrupt entry or an emulated ecall before it changes pc or x without retiring.
      const first = !seen.has(key);
      seen.add(key);
      if (!first || e.type !== 'trap' || e.handler !== 'hypervisor') return;
      const h = machine.hart;
      out.push({ vm: e.vm, count: e.vmIcount, x: Array.from(h.x), pc: h.csr[CSR.sepc]! >>> 0, csr: GUEST_CSRS.map((n) => h.csr[n]!) });
    },
  };
  machine.attachSink(sink);
  while (machine.run(10_000_000) === null);
  return out;
}

describe('per-VM views of a two-VM trace', () => {
  const trace = recordTwoVms();
  const tm = TimeMachine.fromReader(trace.reader(), { denseEvery: 50_000 });

  it('a VM seek lands at the first machine position with that VM count (property), whose view equals a forward replay there', () => {
    expect(tm.vmCount).toBe(2);
    const ends = [tm.vmEndIcount(0), tm.vmEndIcount(1)];
    expect(ends[0]! + ends[1]!).toBeLessThanOrEqual(tm.endIcount);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 2 ** 31 }), (vm, r) => {
        const n = r % (ends[vm]! + 1);
        const s = tm.seekVm(vm, n);
        expect(s.vm).toBe(vm);
        expect(s.vmIcount).toBe(n);
        expect(tm.vmIcount(vm)).toBe(n);
        const view = tm.vmState(vm);
        const at = tm.icount;
        if (n > 0) {
          // On the hart, its n-th instruction the one that just retired.
          expect(view.live).toBe(true);
          expect(tm.runningVm()).toBe(vm);
          tm.seek(at - 1);
          expect(tm.vmIcount(vm)).toBe(n - 1);
        } else expect(at).toBe(0);
        const ref = replayTo(trace, at);
        expect(viewOf(view)).toEqual(forwardVm(ref, vm));
        // The other VM's view at the same position, live or saved, equals the replay's too.
        tm.seek(at);
        expect(viewOf(tm.vmState(1 - vm))).toEqual(forwardVm(ref, 1 - vm));
      }),
      { numRuns: 12, seed: 7 },
    );
  });

  it('a VM view at its count equals the vCPU a forward run sees when that VM exits there', () => {
    const exits = exitsOfForwardRun(trace);
    expect(new Set(exits.map((e) => e.vm))).toEqual(new Set([0, 1]));
    const sample = exits.filter((_, i) => i % Math.max(1, Math.floor(exits.length / 40)) === 0);
    let switchedOut = 0;
    for (const e of sample) {
      tm.seekVm(e.vm, e.count);
      const v = tm.vmState(e.vm);
      expect(viewOf(v), `vm${e.vm} at ${e.count}`).toEqual({ count: e.count, x: e.x, pc: e.pc, csr: e.csr });
      // And from the other side: seen while the other VM runs, the saved copy is the same VM.
      tm.seekVm(1 - e.vm, tm.vmIcount(1 - e.vm) + QUANTUM / 2);
      if (tm.runningVm() !== e.vm && tm.vmIcount(e.vm) === e.count && !tm.vmState(e.vm).stopped) {
        switchedOut++;
        expect(tm.vmState(e.vm).live).toBe(false);
        expect(viewOf(tm.vmState(e.vm))).toEqual({ count: e.count, x: e.x, pc: e.pc, csr: e.csr });
      }
    }
    expect(sample.length).toBeGreaterThan(20);
  });

  it("reads guest-virtual memory through the chosen VM's own tables, whichever VM is on the hart", () => {
    // Both VMs run the same kernel; their programs (hello, forkwait) sit at the same user address.
    const va = 0x10000;
    // Find a VM (`on`) in its user mode, on the hart, while the other one (`off`) has its program mapped.
    let found = false;
    let on = 0;
    for (on = 0; on < 2 && !found; on++) {
      tm.seek(0);
      for (let guard = 0; guard < 200 && !found; guard++) {
        if (tm.continue({ events: ['syscall'], vm: on }).reason !== 'event') break;
        const after = tm.position();
        tm.stepBackVm(on, 1); // at its ecall, in its user mode, on the hart
        found = tm.runningVm() === on && tm.vmState(on).mode === 'VU' && tm.translate(va, 1 - on) !== null;
        if (!found) tm.goTo(after);
      }
    }
    on--;
    const off = 1 - on;
    expect(found).toBe(true);
    expect(tm.vmState(off).live).toBe(false);
    const fromOn = tm.readMemory(va, 256, 'virtual', on)!;
    const fromOff = tm.readMemory(va, 256, 'virtual', off)!;
    expect(fromOn).toEqual(tm.readMemory(va, 256)); // the machine view is the running VM's
    expect(Buffer.from(fromOn).equals(Buffer.from(fromOff))).toBe(false);
    const paOff = tm.translate(va, off)!;
    expect(paOff).not.toBe(tm.translate(va, on));
    // Guest-physical: the switched-out VM's gpa reads its own frame.
    const gpaOff = tm.guestPhysical(va, off)!;
    expect(tm.readMemory(gpaOff, 256, 'physical', off)).toEqual(fromOff);
    expect(tm.readMemory(paOff, 256, 'physical')).toEqual(fromOff);
    expect(tm.pageTable(off).some((m) => m.va === va && m.pa === gpaOff - (gpaOff % 4096))).toBe(true);
    // An independent forward replay to this position holds those bytes at that machine address.
    const ref = replayTo(trace, tm.icount);
    const at = paOff - ref.bus.ram.base;
    expect(ref.bus.ram.u8.slice(at, at + 256)).toEqual(fromOff);
    // The switched-out VM has not run since it last had this count: on the hart there, the hart's own view reads the same.
    tm.seekVm(off, tm.vmIcount(off));
    expect(tm.runningVm()).toBe(off);
    expect(tm.readMemory(va, 256)).toEqual(fromOff);
  });

  it('steps, steps back, continues and reverse-continues in one VM', () => {
    tm.seekVm(1, 320_000);
    const s = tm.stepVm(1, 3);
    expect(s.vmIcount).toBe(320_003);
    expect(tm.runningVm()).toBe(1);
    expect(tm.stepBackVm(1, 3).vmIcount).toBe(320_000);
    // Step across the end of vm1's turn: the next vm1 instruction is a quantum later on the machine.
    tm.seekVm(1, 320_000);
    let lastMachine = tm.icount;
    let jumped = false;
    for (let i = 0; i < QUANTUM + 5; i += 1000) {
      const st = tm.stepVm(1, 1000);
      if (tm.icount - lastMachine > 1000) jumped = true;
      expect(st.vmIcount).toBe(320_000 + i + 1000);
      lastMachine = tm.icount;
    }
    expect(jumped).toBe(true);

    // A breakpoint in the kernel both VMs run, searched in vm1: every stop is vm1's.
    const trapVector = tm.vmState(1).csr[CSR.vstvec]! >>> 0;
    expect(trapVector).toBeGreaterThan(0);
    tm.seek(0);
    const stops: number[] = [];
    for (let i = 0; i < 4; i++) {
      const b = tm.continue({ breakpoints: [trapVector], vm: 1 });
      expect(b.reason).toBe('breakpoint');
      expect(b.pc).toBe(trapVector);
      expect(b.vm).toBe(1);
      expect(tm.runningVm()).toBe(1);
      expect(tm.vmState(1).pc).toBe(trapVector);
      stops.push(b.vmIcount!);
    }
    const last = tm.position();
    const back = tm.reverseContinue({ breakpoints: [trapVector], vm: 1 });
    expect(back.vmIcount).toBe(stops[2]);
    expect(tm.runningVm()).toBe(1);
    tm.goTo(last);
    // The machine-wide search stops in vm0 as well; a VM breakpoint only in its VM.
    tm.seek(0);
    const any = new Set<number>();
    for (let i = 0; i < 12; i++) {
      tm.continue({ breakpoints: [trapVector] });
      any.add(tm.runningVm()!);
    }
    expect(any).toEqual(new Set([0, 1]));
    tm.seek(0);
    for (let i = 0; i < 2; i++) {
      const b = tm.continue({ vmBreakpoints: [{ vm: 0, pc: trapVector }] });
      expect(b.reason).toBe('breakpoint');
      expect(tm.runningVm()).toBe(0);
    }
    // Continuing in a switched-out VM whose next instruction is the breakpoint moves on past it.
    tm.seekVm(0, 320_000);
    expect(tm.runningVm()).toBe(0);
    const out = tm.vmState(1);
    expect(out.live).toBe(false);
    const again = tm.continue({ breakpoints: [out.pc], vm: 1 });
    expect(again.reason).toBe('breakpoint');
    expect(again.vmIcount).toBeGreaterThan(out.vmIcount);
    // Events in one VM.
    tm.seekVm(1, 335_000);
    const ev = tm.continue({ events: ['exit'], vm: 0 });
    expect(ev.reason).toBe('event');
    expect((ev.event as { vm: number }).vm).toBe(0);
    const evBack = tm.reverseContinue({ events: ['trap'], vm: 1 });
    expect(evBack.reason).toBe('event');
    expect((evBack.event as { vm: number }).vm).toBe(1);
  });

  it('a VM watchpoint stops at its writes only, in its own address space', () => {
    // vm1's kernel stack: its sp at some point; a write there by vm1, never by vm0 (same va, other memory).
    tm.seekVm(1, 320_000);
    const sp = (tm.vmState(1).x[2]! - 16) >>> 0;
    const w = tm.continue({ watchpoints: [{ addr: sp, len: 4, kind: 'write', vm: 1 }], vm: 1 });
    expect(w.reason).toBe('watchpoint');
    expect(w.vm).toBe(1);
    expect(tm.runningVm()).toBe(1);
    const lw = tm.lastWrite(sp, 4, 'virtual', 1);
    expect(lw).not.toBeNull();
    expect(lw!.icount).toBe(w.icount - 1);
  });
});
