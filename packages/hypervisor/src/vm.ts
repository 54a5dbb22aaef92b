import { GuestClock, Ns16550a, type ConsoleIO, type RunOutcome } from '@hvrr/machine';
import type { MemoryStrategy } from './memory-strategy.js';
import type { TimePolicySpec } from './time-policy/time-policy-config.js';
import { VmTime } from './vm-time.js';
import { VcpuState, type VcpuSnapshot } from './vcpu-state.js';
import type { VmSpec } from './vm-spec.js';

/** How a VM ends when WFI waits with no timer armed and nothing pending. */
export const IDLE_FOREVER: RunOutcome = { kind: 'idle', message: 'the guest waits for an interrupt (WFI) that nothing can raise: no timer is armed' };

/** Per-VM figures for --stats: instructions retired by the VM, and its exits by reason. */
export interface VmStats {
  id: number;
  instructions: number;
  exits: { total: number; byReason: Record<string, number> };
  /** Faults on this VM's pages: minor (no read: first touch, or a page still resident), major (read back from the backing store). */
  hostPageFaults: { minor: number; major: number };
  /** The VM's guest time and its modeled host time (instructions at the nominal rate plus stalls; never the wall clock), in ns. */
  guestTimeNs: number;
  hostTimeNs: number;
  /** Guest page-table writes (docs/hypervisor.md), by how the strategy saw them. */
  ptw: { total: number; trapped: number; observed: number; hypercall: number };
  /** PV MMU hypercalls (pv strategy) and the PTE updates they carried. */
  hypercalls: { total: number; pteUpdates: number };
}

/**
 * One virtual machine: its vCPU (one), guest RAM behind its memory strategy, its own
 * clock, SBI timer and UART, its console, and how it ended.
 */
export class Vm {
  readonly vcpu = new VcpuState();
  /** Guest time: the VM's own retired instructions plus what WFI skipped (ticks of 10 MHz); under virtual time, timing's clock. */
  readonly clock: GuestClock;
  /** Guest and modeled host time under the run's time policy (vm-time.ts). */
  readonly timing: VmTime;
  /** Host page faults on this VM's pages (hypervisor's count). */
  readonly hostPageFaults = { minor: 0, major: 0 };
  /** Page-table writes by how they were seen, and PV hypercalls (stats). */
  readonly ptwCounts = { total: 0, trapped: 0, observed: 0, hypercall: 0 };
  readonly hypercallCounts = { total: 0, pteUpdates: 0 };
  /** SBI set_timer deadline in guest ticks (Infinity: none). */
  stimecmp = Infinity;
  readonly uart: Ns16550a;
  /** Instructions the VM retired before its current turn on the hart. */
  retiredBase = 0;
  /** hart.icount when the VM last entered the hart. */
  entryIcount = 0;
  running = false;
  outcome: RunOutcome | null = null;
  private exitTotal = 0;
  private readonly exitsByReason = new Map<string, number>();

  constructor(
    readonly id: number,
    readonly spec: VmSpec,
    readonly memSize: number,
    readonly strategy: MemoryStrategy,
    readonly console: ConsoleIO,
    nsPerInsn: number,
    uartBoard: ConstructorParameters<typeof Ns16550a>[0],
    timePolicy: TimePolicySpec = { name: 'virtual' },
  ) {
    this.timing = new VmTime(nsPerInsn, timePolicy);
    this.clock = this.timing.clock;
    this.uart = new Ns16550a(uartBoard);
  }

  /** Instructions this VM has retired when the hart's count is `icount`. */
  retired(icount: number): number {
    return this.running ? this.retiredBase + (icount - this.entryIcount) : this.retiredBase;
  }

  /** The VM's `time` (ticks) at hart count `icount`. */
  time(icount: number): number {
    return this.timing.ticks(this.retired(icount));
  }

  /** The hart count at which this VM (running) reaches guest time `ticks`. */
  icountAtTime(ticks: number): number {
    return this.entryIcount + (this.timing.retiredAtTicks(ticks) - this.retiredBase);
  }

  /** The VM's state besides its vCPU and RAM, for snapshots. */
  saveState(): unknown {
    const uart: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.uart)) if (typeof v === 'number') uart[k] = v;
    return {
      vcpu: this.vcpu.saveState(),
      clock: [this.clock.idleInsns, this.clock.mtimeOffset],
      timing: this.timing.saveState(),
      hostPageFaults: { ...this.hostPageFaults },
      ptw: { ...this.ptwCounts },
      hypercalls: { ...this.hypercallCounts },
      stimecmp: this.stimecmp === Infinity ? -1 : this.stimecmp,
      retiredBase: this.retiredBase,
      entryIcount: this.entryIcount,
      running: this.running,
      outcome: this.outcome === null ? null : structuredClone(this.outcome),
      exits: [this.exitTotal, [...this.exitsByReason]],
      uart,
      atLineStart: (this.console as { atLineStart?: boolean }).atLineStart ?? true,
      strategy: this.strategy.saveState(),
    };
  }

  restoreState(state: unknown): void {
    const s = state as {
      vcpu: VcpuSnapshot; clock: [number, number]; timing?: ReturnType<VmTime['saveState']>; hostPageFaults?: { minor: number; major: number };
      ptw?: Vm['ptwCounts']; hypercalls?: Vm['hypercallCounts']; stimecmp: number; retiredBase: number; entryIcount: number; running: boolean;
      outcome: RunOutcome | null; exits: [number, [string, number][]]; uart: Record<string, number>; atLineStart: boolean; strategy: unknown;
    };
    this.vcpu.restoreState(s.vcpu);
    [this.clock.idleInsns, this.clock.mtimeOffset] = s.clock;
    if (s.timing !== undefined) this.timing.restoreState(s.timing);
    Object.assign(this.hostPageFaults, s.hostPageFaults ?? { minor: 0, major: 0 });
    Object.assign(this.ptwCounts, s.ptw ?? { total: 0, trapped: 0, observed: 0, hypercall: 0 });
    Object.assign(this.hypercallCounts, s.hypercalls ?? { total: 0, pteUpdates: 0 });
    this.stimecmp = s.stimecmp < 0 ? Infinity : s.stimecmp;
    this.retiredBase = s.retiredBase;
    this.entryIcount = s.entryIcount;
    this.running = s.running;
    this.outcome = s.outcome === null ? null : structuredClone(s.outcome);
    this.exitTotal = s.exits[0];
    this.exitsByReason.clear();
    for (const [k, v] of s.exits[1]) this.exitsByReason.set(k, v);
    Object.assign(this.uart, s.uart);
    if ('atLineStart' in this.console) (this.console as { atLineStart: boolean }).atLineStart = s.atLineStart;
    this.strategy.restoreState(s.strategy);
  }

  /** A guest page-table write, seen by a trapped store, by observation or in a PV hypercall. */
  countPtw(how: 'trap' | 'observed' | 'hypercall'): void {
    this.ptwCounts.total++;
    if (how === 'trap') this.ptwCounts.trapped++;
    else if (how === 'observed') this.ptwCounts.observed++;
    else this.ptwCounts.hypercall++;
  }

  /** A PV MMU hypercall (any function). */
  countHypercall(): void {
    this.hypercallCounts.total++;
  }

  /** PTE updates applied by an mmu_update. */
  countPteUpdates(n: number): void {
    this.hypercallCounts.pteUpdates += n;
  }

  countExit(reason: string): void {
    this.exitTotal++;
    this.exitsByReason.set(reason, (this.exitsByReason.get(reason) ?? 0) + 1);
  }

  stats(icount: number): VmStats {
    const byReason: Record<string, number> = {};
    for (const [k, v] of [...this.exitsByReason].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) byReason[k] = v;
    const retired = this.retired(icount);
    return {
      id: this.id,
      instructions: retired,
      exits: { total: this.exitTotal, byReason },
      hostPageFaults: { ...this.hostPageFaults },
      guestTimeNs: this.timing.guestNs(retired),
      hostTimeNs: this.timing.hostNs(retired),
      ptw: { ...this.ptwCounts },
      hypercalls: { ...this.hypercallCounts },
    };
  }
}
