/**
 * One VM of a hypervisor trace seen as a DebugEngine of its own: its vCPU is the "hart"
 * (live while the VM is on the hart, the hypervisor's saved copy while it is switched
 * out), memory goes through its own tables, and positions are its own retired
 * instructions (the machine runs on underneath: other VMs run in between as recorded).
 * The REPL's `vm N` and the gdb server's VM threads use it, so every command and packet
 * works the same on a VM as on the machine.
 */
import type { DebugEngine, HartView, PageMapping, RunOptions, StopConditions, StopInfo, VmStateView } from './engine.js';

/** Whether `engine` can show VMs (a hypervisor trace's TimeMachine). */
export function vmCount(engine: DebugEngine): number {
  return engine.vmCount ?? 0;
}

/** The machine-side state a VM view needs; every VM method of DebugEngine, not optional. */
type VmEngine = DebugEngine & Required<Pick<DebugEngine, 'runningVm' | 'vmState' | 'vmIcount' | 'vmEndIcount' | 'seekVm' | 'stepVm' | 'stepBackVm'>>;

function counter(v: bigint): { low(i: number): number; high(i: number): number } {
  return { low: () => Number(v & 0xffffffffn) | 0, high: () => Number((v >> 32n) & 0xffffffffn) | 0 };
}

/** A HartView over a VM's state (the guest's privilege, V=1: modes read VS/VU). */
class VmHart implements HartView {
  readonly x: Int32Array;
  readonly pc: number;
  readonly priv: number;
  readonly csr: Int32Array;
  readonly icount: number;
  readonly mcycle: { low(i: number): number; high(i: number): number };
  readonly minstret: { low(i: number): number; high(i: number): number };
  readonly virt = 1;
  constructor(private readonly s: VmStateView) {
    this.x = s.x;
    this.pc = s.pc | 0;
    this.priv = s.priv;
    this.csr = s.csr;
    this.icount = s.vmIcount;
    this.mcycle = counter(s.mcycle);
    this.minstret = counter(s.minstret);
  }
  readTime(): number {
    return this.s.time;
  }
}

export class VmViewEngine implements DebugEngine {
  private readonly machine: VmEngine;
  private cacheKey = '';
  private cached: VmHart | null = null;

  constructor(
    machine: DebugEngine,
    readonly vm: number,
  ) {
    if (vm < 0 || vm >= vmCount(machine) || machine.vmState === undefined) throw new RangeError(`no vm${vm}`);
    this.machine = machine as VmEngine;
  }

  /** This VM's state at the current position. */
  state(): VmStateView {
    return this.machine.vmState(this.vm);
  }

  get hart(): HartView {
    // Reads come in bursts (a `g` packet, `regs`): one state per position.
    const m = this.machine;
    const key = JSON.stringify(m.position?.() ?? m.icount);
    if (this.cached === null || key !== this.cacheKey) {
      this.cached = new VmHart(this.state());
      this.cacheKey = key;
    }
    return this.cached;
  }

  get icount(): number {
    return this.machine.vmIcount(this.vm);
  }

  get machineIcount(): number {
    return this.machine.icount;
  }

  get endIcount(): number {
    return this.machine.vmEndIcount(this.vm);
  }

  get vmCount(): number {
    return vmCount(this.machine);
  }

  runningVm(): number | null {
    return this.machine.runningVm();
  }

  vmState(vm: number): VmStateView {
    return this.machine.vmState(vm);
  }

  private view(s: StopInfo): StopInfo {
    const out: StopInfo = { ...s, icount: this.icount, pc: this.state().pc, machineIcount: s.machineIcount ?? s.icount };
    out.vm = this.vm;
    out.vmIcount = out.icount;
    return out;
  }

  seek(icount: number): StopInfo {
    return this.view(this.machine.seekVm(this.vm, icount));
  }

  step(n = 1): StopInfo {
    return this.view(this.machine.stepVm(this.vm, n));
  }

  stepBack(n = 1): StopInfo {
    return this.view(this.machine.stepBackVm(this.vm, n));
  }

  private scoped(c: StopConditions): StopConditions {
    return { ...c, vm: this.vm, watchpoints: (c.watchpoints ?? []).map((w) => ({ ...w, vm: w.vm ?? this.vm })) };
  }

  continue(c: StopConditions, o?: RunOptions): StopInfo {
    return this.view(this.machine.continue(this.scoped(c), o));
  }

  reverseContinue(c: StopConditions, o?: RunOptions): StopInfo {
    return this.view(this.machine.reverseContinue(this.scoped(c), o));
  }

  /** The last write to this VM's guest-virtual range; icount is the VM's own count of the writing instruction. */
  lastWrite(addr: number, len = 4): { icount: number; pc: number } | null {
    const w = this.machine.lastWrite(addr, len, 'virtual', this.vm);
    if (w === null) return null;
    const m = this.machine;
    if (m.position === undefined || m.goTo === undefined) return w;
    const here = m.position();
    m.seek(w.icount);
    const icount = m.vmIcount(this.vm);
    m.goTo(here as never);
    return { icount, pc: w.pc };
  }

  readMemory(addr: number, len: number, space: 'physical' | 'virtual' = 'virtual'): Uint8Array | null {
    return this.machine.readMemory(addr, len, space, this.vm);
  }

  translate(va: number): number | null {
    return this.machine.translate(va, this.vm);
  }

  /**
   * Events of this VM between two of its counts, each shown at its own count (vmIcount).
   * The machine window searched is the VM's window times the number of VMs (round-robin
   * turns), so with uneven turns the edges of a wide window may be cut.
   */
  events(fromIcount: number, toIcount: number): unknown[] {
    const here = this.icount;
    const k = Math.max(1, this.vmCount);
    const mHere = this.machine.icount;
    const from = Math.max(0, mHere - (here - fromIcount) * k);
    const to = Math.min(this.machine.endIcount, mHere + (toIcount - here) * k);
    const out: unknown[] = [];
    for (const e of this.machine.events(from, to)) {
      const ev = e as { vm?: number; vmIcount?: number; icount: number };
      if (ev.vm !== this.vm || ev.vmIcount === undefined || ev.vmIcount < fromIcount || ev.vmIcount > toIcount) continue;
      out.push({ ...ev, icount: ev.vmIcount, machineIcount: ev.icount });
    }
    return out;
  }

  pageTable(): PageMapping[] {
    return this.machine.pageTable(this.vm);
  }
}
