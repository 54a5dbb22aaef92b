import {
  CSR,
  HSTATUS_VTSR,
  HSTATUS_VTW,
  IRQ_VSSI,
  IRQ_VSTI,
  MSTATUS_SPP,
  VS_INTERRUPTS,
  type Hart,
  type HartHost,
} from '@hvrr/cpu';
import type { EventSink, HvrrEvent } from '@hvrr/events';
import { MachineError, MAX_MEM_SIZE, RAM_BASE, type ConsoleIO, type HostSoftware, type Machine, type RunOutcome } from '@hvrr/machine';
import { handleExit, type ExitInfo } from './exit-handlers.js';
import { exitReason } from './exit-reasons.js';
import { SV32X4_ROOT_BYTES } from './g-stage-table.js';
import { prepareGuestBoot } from './guest-boot.js';
import type { GuestSbiHost } from './guest-sbi.js';
import { HostFramePool, HostPagingError, type PoolFault, type PoolPaging } from './host-frame-pool.js';
import { onHostPageFault, timeEvent, type PagingInputRecord } from './host-page-faults.js';
import type { TimePolicySpec } from './time-policy/time-policy-config.js';
import type { TimePolicyEvent } from './time-policy/time-policy.js';
import { STRATEGY_NAMES, type MemoryStrategy } from './memory-strategy.js';
import { NestedStrategy, type StrategyHost } from './nested-strategy.js';
import { PvStrategy } from './pv-strategy.js';
import { deliverVirtualInterrupt, resetShadowVcpu } from './shadow-exits.js';
import { ShadowStrategy, shadowArenaPages } from './shadow-strategy.js';
import { DEFAULT_GUEST_MEM, DEFAULT_QUANTUM, GUEST_RAM_BASE, type VmSpec } from './vm-spec.js';
import { VmConsole } from './vm-console.js';
import { IDLE_FOREVER, Vm, type VmStats } from './vm.js';

/** Exceptions the host takes in HS rather than M: everything a guest can raise (bits 0-8, 10, 12, 13, 15, 20-23). */
const HV_MEDELEG = 0xf0b5ff;
/** Exceptions delegated to the guest kernel (VS): as a firmware delegates to S-mode. */
const HV_HEDELEG = 0xb1ff;
/** ecall from VU, left undelegated under forwardSyscalls. */
const ECALL_VU_BIT = 1 << 8;
/** hvip bits. */
const VSSIP = 1 << IRQ_VSSI;
const VSTIP = 1 << IRQ_VSTI;

export interface HypervisorConfig {
  vms: VmSpec[];
  /** Guest nanoseconds per retired instruction (every VM's clock). */
  nsPerInsn: number;
  /** The host console: every VM's output (prefixed `[vmN] ` when there are several); input goes to vm0. */
  console: ConsoleIO;
  /** Retired instructions per scheduling turn when several VMs are runnable. */
  quantum?: number;
  /** Host paging (`--host-mem`...): the frame pool is smaller than guest RAM. Absent: the pool holds all guest RAM. */
  hostPaging?: PoolPaging | null;
  /** Every VM's time policy (`--time`); default virtual. */
  time?: TimePolicySpec;
  /** Where host-paging inputs go (recording, and replay, which compares them). */
  pagingInputs?: ((record: PagingInputRecord) => void) | null;
}

/**
 * The host-side hypervisor (like KVM): the HS-level software of a Machine. It owns host
 * RAM (G-stage tables, then frames backing guest RAM), runs one vCPU per VM on the one
 * hart, round-robin by a quantum of each VM's retired instructions, and handles VM
 * exits (exit-handlers.ts).
 *
 * Time: a VM's `time` is its own clock — its own retired instructions plus what its WFIs
 * skipped — so a VM sees exactly the same time alone or beside others. The host's time
 * is defined to follow the running VM's clock (continuous across switches), and at each
 * VM entry htimedelta = VM time - host time; so `time` read in the guest (host time +
 * htimedelta) is the VM's clock exactly, with no rounding between the two.
 */
export class Hypervisor implements HostSoftware, HartHost {
  readonly hostMemSize: number;
  readonly vms: Vm[] = [];
  /** The VM on the hart (null once every VM has stopped). */
  current: Vm | null = null;
  readonly quantum: number;
  /** Host RAM layout: G-stage roots, then leaf tables, then the frame pool. */
  private readonly tablesEnd: number;
  private nextLeafTable: number;
  readonly pool: HostFramePool;
  private machineRef: Machine | null = null;
  private quantumEnd = Infinity;
  /** Host time (ticks) when no VM runs, and at the current VM's entry. */
  private hostTime = 0;
  private htimedelta = 0;
  private sink: EventSink | null = null;
  /** Events emitted while an exit is handled wait here, so the exit event comes first. */
  private held: HvrrEvent[] | null = null;
  private exitCause = -1;
  private exitInterrupt = false;
  /** A VM to stop at the next host stop (WFI with nothing to wake it; a trap toward M-mode). */
  private pendingStop: { vm: Vm; outcome: RunOutcome } | null = null;
  private bootRanges: [number, number][] = [];
  readonly pagingInputs: ((record: PagingInputRecord) => void) | null;
  /** Watches every host page fault and the stall it caused (`hvrr demo floppy`). */
  pagingObserver: ((vm: Vm, fault: PoolFault, stall: TimePolicyEvent | null) => void) | null = null;

  constructor(private readonly config: HypervisorConfig) {
    if (config.vms.length === 0) throw new MachineError('a hypervisor run needs at least one VM');
    if (config.vms.length > 127) throw new MachineError('at most 127 VMs (7-bit VMIDs)');
    this.quantum = config.quantum ?? DEFAULT_QUANTUM;
    if (!(this.quantum >= 1) || !Number.isInteger(this.quantum)) throw new MachineError('the VM quantum must be a positive whole number of instructions');
    let leaves = 0;
    let guestBytes = 0;
    for (const [i, spec] of config.vms.entries()) {
      const size = spec.memSize ?? DEFAULT_GUEST_MEM;
      if (!Number.isInteger(size) || size < 1024 * 1024 || size % 4096 !== 0 || size > 1024 * 1024 * 1024)
        throw new MachineError(`vm${i}: guest memory must be a multiple of 4 KiB between 1 MiB and 1024 MiB`);
      const strategyName = spec.strategy ?? 'nested';
      if (!STRATEGY_NAMES.includes(strategyName)) throw new MachineError(`vm${i}: unknown memory strategy '${spec.strategy}' (available: ${STRATEGY_NAMES.join(', ')})`);
      // nested: G-stage leaf tables; shadow and pv: their shadow-table arena.
      leaves += strategyName === 'nested' ? Math.ceil(size / 0x400000) : shadowArenaPages(size);
      guestBytes += size;
    }
    const roots = config.vms.length * SV32X4_ROOT_BYTES;
    this.tablesEnd = RAM_BASE + roots + leaves * 4096;
    this.nextLeafTable = RAM_BASE + roots;
    // Under host paging the pool is --host-mem, whatever the VMs' RAM adds up to.
    const paging = config.hostPaging ?? null;
    const poolFrames = paging !== null ? paging.config.frames : guestBytes / 4096;
    // (The machine's RAM is at least 1 MiB; a small pool leaves the rest of it unused.)
    this.hostMemSize = Math.max(1024 * 1024, this.tablesEnd - RAM_BASE + poolFrames * 4096);
    if (this.hostMemSize > MAX_MEM_SIZE) throw new MachineError(`the VMs need ${this.hostMemSize / 1024 / 1024} MiB of host memory; at most ${MAX_MEM_SIZE / 1024 / 1024} MiB`);
    this.pool = new HostFramePool(this.tablesEnd, poolFrames, paging);
    this.pagingInputs = config.pagingInputs ?? null;
  }

  get machine(): Machine {
    if (this.machineRef === null) throw new Error('the hypervisor is not attached to a machine');
    return this.machineRef;
  }

  get hart(): Hart {
    return this.machine.hart;
  }

  // ------------------------------------------------------------ HostSoftware

  attach(machine: Machine): void {
    this.machineRef = machine;
    const hart = machine.hart;
    hart.host = this;
    const ram = machine.bus.ram;
    const strategyHost: StrategyHost = {
      ram,
      pool: this.pool,
      allocTable: () => {
        const pa = this.nextLeafTable;
        if (pa >= this.tablesEnd) throw new Error('G-stage table space exhausted');
        this.nextLeafTable += 4096;
        return pa;
      },
      flushTranslations: () => hart.contextChanged(),
      invalidateCode: (pa, length) => hart.invalidateCode(pa, length),
    };
    this.pool.connect(ram, (pa, length) => {
      // The pager rewrote a frame (page-in, zero fill) behind the hart's back: drop code
      // translated from it, and mark it dirty so state hashes and snapshots see it.
      hart.invalidateCode(pa, length);
      const off = ram.offsetOf(pa);
      if (off >= 0 && length > 0) for (let p = off >>> 12; p <= (off + length - 1) >>> 12 && p < ram.dirty.length; p++) ram.dirty[p] = 1;
    });
    this.pool.onFault = (fault) => onHostPageFault(this, fault);
    const prefixed = this.config.vms.length > 1;
    // The host's own settings, the same in every vCPU's CSR file.
    const csr = hart.csr;
    csr[CSR.medeleg] = HV_MEDELEG;
    csr[CSR.mideleg] = VS_INTERRUPTS;
    csr[CSR.mcounteren] = -1;
    csr[CSR.hcounteren] = -1;
    csr[CSR.hideleg] = VS_INTERRUPTS;
    const template = Int32Array.from(csr);

    for (const [id, spec] of this.config.vms.entries()) {
      const memSize = spec.memSize ?? DEFAULT_GUEST_MEM;
      const strategy = this.createStrategy(spec.strategy ?? 'nested', strategyHost, id, memSize);
      const console = new VmConsole(this.config.console, id, prefixed, id === 0);
      const vm = new Vm(id, spec, memSize, strategy, console, this.config.nsPerInsn, { hart, clock: machine.clock, console, finish: () => {} }, this.config.time);
      this.vms.push(vm);
      this.pool.register(id, strategy);
      const boot = prepareGuestBoot(spec.image, spec.imagePath, GUEST_RAM_BASE, memSize, spec.bootargs ?? '');
      try {
        for (const seg of boot.elf.segments) {
          const bytes = new Uint8Array(seg.memsz);
          bytes.set(seg.data);
          this.writeGuestRaw(vm, seg.paddr, bytes);
        }
        this.writeGuestRaw(vm, boot.dtbGpa, boot.dtb);
      } catch (e) {
        if (e instanceof HostPagingError) throw new MachineError(`vm${id}: cannot load its image into guest RAM: ${e.message}`);
        throw e;
      }

      // The vCPU at reset: VS-mode at the entry, a0 = hart id 0, a1 = the device tree.
      csr.set(template);
      csr[CSR.hgatp] = strategy.hgatp;
      csr[CSR.hedeleg] = spec.forwardSyscalls ? HV_HEDELEG & ~ECALL_VU_BIT : HV_HEDELEG;
      csr[CSR.hstatus] = strategy.hstatusBits | HSTATUS_VTW | (spec.forwardSyscalls ? HSTATUS_VTSR : 0);
      hart.x.fill(0);
      hart.x[10] = 0;
      hart.x[11] = boot.dtbGpa;
      hart.pc = boot.elf.entry | 0;
      hart.priv = 1;
      hart.virt = 1;
      // Trap-and-emulate: the guest kernel starts in real U-mode, virtual S-mode (shadow-exits.ts).
      if (strategy instanceof ShadowStrategy) resetShadowVcpu(hart, strategy);
      vm.vcpu.save(hart);
    }
    this.bootRanges = [
      [RAM_BASE, this.nextLeafTable - RAM_BASE],
      [this.pool.firstPa, this.pool.used * 4096],
    ];
    this.enter(this.vms[0]!);
  }

  wrapSink(sink: EventSink | null): EventSink | null {
    if (sink === null) {
      this.sink = null;
      return null;
    }
    const wrapped: EventSink = {
      get wantsInstructions() {
        return sink.wantsInstructions;
      },
      get wantsEvents() {
        return sink.wantsEvents;
      },
      emit: (event) => {
        const vm = this.current;
        if (vm !== null) {
          event.vm = vm.id;
          event.vmIcount = vm.retired(event.icount);
        }
        if (this.held !== null) this.held.push(event);
        else sink.emit(event);
      },
      instructions: (batch) => sink.instructions(batch),
    };
    this.sink = wrapped;
    return wrapped;
  }

  handleExit(): void {
    const vm = this.current;
    if (vm === null) return;
    const pending = this.pendingStop;
    if (pending !== null) {
      this.pendingStop = null;
      this.stopVm(pending.vm, pending.outcome);
      this.afterStop();
      return;
    }
    if (this.exitCause < 0) return;
    const hart = this.hart;
    const csr = hart.csr;
    const exit: ExitInfo = {
      cause: this.exitCause,
      interrupt: this.exitInterrupt,
      epc: csr[CSR.sepc],
      tval: csr[CSR.stval],
      htval: csr[CSR.htval],
      htinst: csr[CSR.htinst],
      insn: hart.trapInsn,
      guestPriv: (csr[CSR.mstatus] & MSTATUS_SPP) !== 0 ? 1 : 0,
      icount: hart.icount,
    };
    this.exitCause = -1;
    const wantsEvents = this.sink !== null && this.sink.wantsEvents;
    if (wantsEvents) this.held = [];
    let result: { reason: string; resolution: string } | undefined;
    try {
      result = handleExit(this, vm, exit);
    } catch (e) {
      // Host paging could not give a guest page a frame (a page-in failed, or no frame
      // could be freed): this VM stops; the hypervisor and the other VMs go on.
      if (!(e instanceof HostPagingError)) throw e;
      this.stopVm(vm, { kind: 'error', message: `host paging: ${e.message}` });
      result = { reason: exitReason(exit.cause, exit.interrupt), resolution: 'vm-stopped' };
    } finally {
      const held = this.held;
      this.held = null;
      if (held !== null) {
        const sink = this.sink!;
        sink.emit({
          type: 'exit',
          icount: exit.icount,
          reason: result?.reason ?? exitReason(exit.cause, exit.interrupt),
          cause: exit.cause,
          interrupt: exit.interrupt,
          epc: exit.epc,
          tval: exit.tval,
          htval: exit.htval,
          htinst: exit.htinst,
          resolution: result?.resolution ?? 'failed',
          vm: vm.id,
          vmIcount: vm.retiredBase + (exit.icount - vm.entryIcount),
        });
        for (const e of held) sink.emit(e);
      }
    }
    vm.countExit(result.reason);
    if (vm.outcome !== null) this.afterStop();
  }

  // ------------------------------------------------------------ HartHost

  readTime(icount: number): number {
    const vm = this.current;
    return vm === null ? this.hostTime : vm.time(icount) - this.htimedelta;
  }

  sync(hart: Hart): number {
    let vm = this.current;
    if (vm === null) return Infinity;
    if (hart.icount >= this.quantumEnd) {
      this.rotate();
      vm = this.current!;
    }
    let deadline = this.quantumEnd;
    if (vm.stimecmp !== Infinity) {
      if (vm.time(hart.icount) >= vm.stimecmp) {
        vm.stimecmp = Infinity;
        this.setHvip(VSTIP, true);
      } else {
        const at = vm.icountAtTime(vm.stimecmp);
        if (at < deadline) deadline = at;
      }
    }
    // Trap-and-emulate VMs take pending virtual interrupts here, where the hart would under nested.
    if (vm.strategy instanceof ShadowStrategy) deliverVirtualInterrupt(this, vm.strategy);
    return deadline;
  }

  idle(hart: Hart): boolean {
    // WFI in VS with hstatus.VTW clear (the hypervisor sets it, so this is a fallback).
    const vm = this.current;
    if (vm === null) return false;
    if (!this.waitForTimer(vm, hart.icount) && this.pendingStop === null) {
      this.pendingStop = { vm, outcome: IDLE_FOREVER };
      hart.requestStop();
    }
    return true;
  }

  trapToM(hart: Hart, cause: number, interrupt: boolean, tval: number): boolean {
    // medeleg sends every trap a guest can cause to HS; one toward M means a hypervisor bug.
    const vm = this.current;
    if (vm !== null && this.pendingStop === null) {
      const what = `${interrupt ? 'interrupt' : 'exception'} ${cause} at pc 0x${(hart.pc >>> 0).toString(16)} (tval 0x${(tval >>> 0).toString(16)})`;
      this.pendingStop = { vm, outcome: { kind: 'error', message: `a trap reached M-mode on a hypervisor run: ${what}` } };
    }
    hart.requestStop();
    return true;
  }

  trapToHS(_hart: Hart, cause: number, interrupt: boolean): boolean {
    this.exitCause = cause;
    this.exitInterrupt = interrupt;
    return true;
  }

  watchedStore(_pa: number, _size: number): void {}

  // ------------------------------------------------------------ public API

  /** Per-VM figures: instructions retired by the VM, exits by reason. */
  vmStats(): VmStats[] {
    const icount = this.machineRef?.hart.icount ?? 0;
    return this.vms.map((vm) => vm.stats(icount));
  }

  /** Machine-physical ranges [address, length] of host RAM written before the first instruction. */
  loadedRanges(): [number, number][] {
    return this.bootRanges.filter(([, len]) => len > 0);
  }

  /** HostSoftware.hashedState: every VM's saved vCPU, clock, timer and strategy state, and the schedule. */
  hashedState(): unknown {
    return { vms: this.vms.map((vm) => vm.saveState()), current: this.current === null ? -1 : this.current.id, hostTime: this.hostTime, htimedelta: this.htimedelta };
  }

  /**
   * What snapshots (time travel) keep of the hypervisor besides the hart and RAM: every
   * VM (vCPU while off the hart, clock, timer, UART, strategy), the scheduler and the
   * host clock. Found by the recorder on machine.host.
   */
  stateContributors(): { name: string; save(): unknown; restore(state: unknown): void }[] {
    return [
      {
        name: 'hypervisor',
        save: () => ({
          vms: this.vms.map((vm) => vm.saveState()),
          current: this.current === null ? -1 : this.current.id,
          quantumEnd: this.quantumEnd === Infinity ? -1 : this.quantumEnd,
          hostTime: this.hostTime,
          htimedelta: this.htimedelta,
          nextLeafTable: this.nextLeafTable,
          pool: this.pool.saveState(),
          pendingStop: this.pendingStop === null ? null : { vm: this.pendingStop.vm.id, outcome: structuredClone(this.pendingStop.outcome) },
          exit: [this.exitCause, this.exitInterrupt],
        }),
        restore: (state) => {
          const s = state as {
            vms: unknown[]; current: number; quantumEnd: number; hostTime: number; htimedelta: number; nextLeafTable: number; pool: unknown;
            pendingStop: { vm: number; outcome: RunOutcome } | null; exit: [number, boolean];
          };
          s.vms.forEach((v, i) => this.vms[i]!.restoreState(v));
          this.current = s.current < 0 ? null : this.vms[s.current]!;
          this.quantumEnd = s.quantumEnd < 0 ? Infinity : s.quantumEnd;
          this.hostTime = s.hostTime;
          this.htimedelta = s.htimedelta;
          this.nextLeafTable = s.nextLeafTable;
          this.pool.restoreState(s.pool);
          this.pendingStop = s.pendingStop === null ? null : { vm: this.vms[s.pendingStop.vm]!, outcome: structuredClone(s.pendingStop.outcome) };
          [this.exitCause, this.exitInterrupt] = s.exit;
        },
      },
    ];
  }

  // ------------------------------------------------------------ services for the exit handlers

  /** Emits an event through the machine's sink (tagged with the current VM). */
  emit(event: HvrrEvent): void {
    const sink = this.sink;
    if (sink !== null && sink.wantsEvents) sink.emit(event);
  }

  get wantsEvents(): boolean {
    return this.sink !== null && this.sink.wantsEvents;
  }

  /** Sets or clears a bit of the running vCPU's hvip (a VS interrupt pending). */
  setHvip(bit: number, level: boolean): void {
    const hart = this.hart;
    const old = hart.csr[CSR.hvip];
    const next = level ? old | bit : old & ~bit;
    if (next === old) return;
    hart.csr[CSR.hvip] = next;
    hart.interruptsChanged();
    if (this.wantsEvents) {
      const irq = 31 - Math.clz32(bit);
      this.emit({ type: 'irq', icount: hart.icount, irq, action: level ? 'raised' : 'cleared' });
      if (level) this.emit({ type: 'irq', icount: hart.icount, irq, action: 'injected' });
    }
  }

  /**
   * WFI found nothing pending in `vm`: its time skips to its timer deadline (nothing
   * else can wake it; other VMs take the rest of its turn). False when no timer is
   * armed: the VM can never wake.
   */
  waitForTimer(vm: Vm, icount: number): boolean {
    if (vm.stimecmp === Infinity) return false;
    const retired = vm.retired(icount);
    const idle = vm.timing.idleUntilTicks(retired, vm.stimecmp);
    if (idle === null) return false; // a deadline the time policy's clock never reaches
    if (idle !== undefined && this.wantsEvents) this.emit(timeEvent(icount, idle));
    if (this.runnableCount() > 1) this.quantumEnd = icount;
    return true;
  }

  stopVm(vm: Vm, outcome: RunOutcome): void {
    if (vm.outcome === null) vm.outcome = outcome;
  }

  readonly sbiHost: GuestSbiHost = {
    setTimer: (vm, deadline) => {
      vm.stimecmp = deadline;
      this.setHvip(VSTIP, false);
      this.hart.interruptsChanged();
    },
    setSoftwareInterrupt: (_vm, level) => this.setHvip(VSSIP, level),
    fence: () => this.hart.contextChanged(),
    stop: (vm, outcome) => this.stopVm(vm, outcome),
    readGuest: (vm, gpa, len) => this.readGuest(vm, gpa, len),
    writeGuest: (vm, gpa, bytes) => this.writeGuest(vm, gpa, bytes),
  };

  /** Bytes of the VM's RAM at [gpa, gpa+len), or null when any of them is not its RAM. */
  readGuest(vm: Vm, gpa: number, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    const ram = this.machine.bus.ram;
    let done = 0;
    while (done < len) {
      const at = gpa + done;
      const pa = vm.strategy.machineAddress(at);
      if (pa < 0) return null;
      const n = Math.min(len - done, 4096 - (at % 4096));
      out.set(ram.u8.subarray(pa - ram.base, pa - ram.base + n), done);
      done += n;
    }
    if (len === 0 && vm.strategy.machineAddress(gpa) < 0) return null;
    return out;
  }

  /** A host write into the VM's RAM (DBCN read): a hostwrite event per page. */
  writeGuest(vm: Vm, gpa: number, bytes: Uint8Array): boolean {
    if (this.readGuest(vm, gpa, bytes.length) === null) return false;
    let done = 0;
    while (done < bytes.length) {
      const at = gpa + done;
      const pa = vm.strategy.machineAddress(at);
      const n = Math.min(bytes.length - done, 4096 - (at % 4096));
      this.machine.hostWrite(pa, bytes.subarray(done, done + n), 'sbi');
      this.pool.markDirty(vm.id, Math.floor(at / 4096)); // the frame's copy is now the only current one
      done += n;
    }
    return true;
  }

  /** Boot-time load into guest RAM (before anything runs: no events, no code to invalidate). */
  private writeGuestRaw(vm: Vm, gpa: number, bytes: Uint8Array): void {
    const ram = this.machine.bus.ram;
    let done = 0;
    while (done < bytes.length) {
      const at = gpa + done;
      const pa = vm.strategy.machineAddress(at);
      const n = Math.min(bytes.length - done, 4096 - (at % 4096));
      ram.u8.set(bytes.subarray(done, done + n), pa - ram.base);
      this.pool.markDirty(vm.id, Math.floor(at / 4096));
      done += n;
    }
  }

  /** A VM's memory strategy; shadow and pv take their shadow-table arena from the reserved table space. */
  private createStrategy(name: string, host: StrategyHost, id: number, memSize: number): MemoryStrategy {
    if (name === 'nested') return new NestedStrategy(host, id + 1, RAM_BASE + id * SV32X4_ROOT_BYTES, GUEST_RAM_BASE, memSize);
    const arena: number[] = [];
    for (let i = shadowArenaPages(memSize); i > 0; i--) arena.push(host.allocTable());
    return name === 'pv' ? new PvStrategy(host, id, arena, GUEST_RAM_BASE, memSize) : new ShadowStrategy(host, id, arena, GUEST_RAM_BASE, memSize);
  }

  // ------------------------------------------------------------ scheduling

  private runnableCount(): number {
    let n = 0;
    for (const vm of this.vms) if (vm.outcome === null) n++;
    return n;
  }

  /** Puts `vm`'s vCPU on the hart. */
  private enter(vm: Vm): void {
    const hart = this.hart;
    vm.vcpu.load(hart);
    vm.entryIcount = hart.icount;
    vm.running = true;
    this.current = vm;
    const delta = vm.time(hart.icount) - this.hostTime;
    this.htimedelta = delta;
    hart.csr[CSR.htimedelta] = delta % 2 ** 32 | 0;
    hart.csr[CSR.htimedeltah] = Math.floor(delta / 2 ** 32) | 0;
    this.quantumEnd = this.runnableCount() > 1 ? hart.icount + this.quantum : Infinity;
    hart.contextChanged();
  }

  /** Takes the running vCPU off the hart. */
  private leave(): Vm {
    const hart = this.hart;
    const vm = this.current!;
    this.hostTime = this.readTime(hart.icount);
    vm.vcpu.save(hart);
    vm.retiredBase = vm.retired(hart.icount);
    vm.running = false;
    this.current = null;
    return vm;
  }

  /** The next runnable VM after `from` in round-robin order, or null. */
  private nextRunnable(from: Vm): Vm | null {
    const n = this.vms.length;
    for (let k = 1; k <= n; k++) {
      const vm = this.vms[(from.id + k) % n]!;
      if (vm.outcome === null) return vm;
    }
    return null;
  }

  /** The quantum is over: the next runnable VM gets the hart (or the same one goes on). */
  private rotate(): void {
    const vm = this.current!;
    const next = this.nextRunnable(vm);
    if (next === vm || next === null) {
      this.quantumEnd = this.runnableCount() > 1 ? this.hart.icount + this.quantum : Infinity;
      return;
    }
    this.leave();
    this.enter(next);
  }

  /** The current VM stopped: switch to the next runnable one, or end the run. */
  private afterStop(): void {
    const vm = this.current!;
    this.leave();
    this.pool.release(vm.id); // under host paging its frames go to the VMs still running
    const next = this.nextRunnable(vm);
    if (next !== null) {
      this.enter(next);
      return;
    }
    this.machine.finish(this.combinedOutcome());
  }

  /** How the run ended: pass only if every VM passed; else the first VM that did not. */
  combinedOutcome(): RunOutcome {
    const several = this.vms.length > 1;
    const bad = this.vms.find((vm) => vm.outcome !== null && vm.outcome.kind !== 'pass');
    if (bad === undefined) {
      const first = this.vms[0]!.outcome;
      return { kind: 'pass', how: several ? 'every VM shut down' : first !== null && first.kind === 'pass' ? first.how : 'shut down' };
    }
    const o = bad.outcome!;
    if (!several) return o;
    switch (o.kind) {
      case 'fail':
        return { kind: 'fail', code: o.code, how: `vm${bad.id}: ${o.how}` };
      case 'idle':
      case 'error':
        return { kind: o.kind, message: `vm${bad.id}: ${o.message}` };
      default:
        return o;
    }
  }
}
