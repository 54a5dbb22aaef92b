import type { Hart } from '@hvrr/cpu';
import type { Ram } from '@hvrr/mmu';
import { ramReader, sv32Mappings, translateSv32x4, walkSv32View, type Mapping, type TableReader } from './sv32-view.js';

/**
 * One VM as the debugger sees it on a hypervisor trace (docs/time-travel.md, "VM
 * views"): its vCPU's state whether the VM is on the hart (live: the hart holds it) or
 * switched out (the hypervisor's saved copy), and its memory through its own tables.
 *
 * The hypervisor is reached structurally through `machine.host` (packages/hypervisor's
 * public fields: `vms`, `current`, `pool`, each Vm's `vcpu`, `retired`, `time`), so the
 * replayer needs no dependency on it. Everything here only reads.
 */

const CSR_HSTATUS = 0x600;
const CSR_VSATP = 0x280;
const CSR_HGATP = 0x680;
const HSTATUS_SPVP = 1 << 8;
const CSR_MSTATUS = 0x300;
const CSR_SEPC = 0x141;
const MSTATUS_SPP = 1 << 8;

/** The parts of packages/hypervisor's Vm the debugger reads. */
export interface VmLike {
  readonly id: number;
  readonly memSize: number;
  readonly running: boolean;
  readonly retiredBase: number;
  readonly entryIcount: number;
  readonly outcome: unknown;
  readonly strategy: { readonly name: string; readonly hgatp: number; readonly memBase?: number };
  readonly vcpu: {
    readonly x: Int32Array;
    readonly pc: number;
    readonly priv: number;
    readonly virt: number;
    readonly csr: Int32Array;
    saveState(): { counters: [string, string] };
  };
  retired(icount: number): number;
  time(icount: number): number;
}

/** The parts of packages/hypervisor's Hypervisor the debugger reads. */
export interface HypervisorLike {
  readonly vms: readonly VmLike[];
  readonly current: VmLike | null;
  readonly pool?: { residentFrame(vm: number, gpn: number): number };
}

/** The hypervisor of a hypervisor run's machine, or null on bare and firmware traces. */
export function hypervisorOf(machine: { host: unknown }): HypervisorLike | null {
  const h = machine.host as Partial<HypervisorLike> | null;
  return h !== null && h !== undefined && Array.isArray(h.vms) && 'current' in h ? (h as HypervisorLike) : null;
}

/** A VM's mode: VS (its kernel) or VU (its processes). */
export type VmMode = 'VS' | 'VU';

export interface VmState {
  vm: number;
  /** On the hart at this position (the hart holds its state); else the saved vCPU copy. */
  live: boolean;
  /** The VM has ended (shut down, failed). */
  stopped: boolean;
  /**
   * The vCPU rests in HS-mode, inside the exit that ended the VM (its saved copy never
   * resumed): pc and mode are then the guest's at that exit (sepc, the trap's previous mode).
   */
  inExit: boolean;
  /** Instructions this VM has retired at this position (its own count). */
  vmIcount: number;
  /** The VM's guest time in timebase ticks (10 MHz). */
  time: number;
  x: Int32Array;
  /** Unsigned. */
  pc: number;
  /** The guest's privilege: 1 its kernel (VS), 0 its processes (VU); the virtual privilege under shadow/pv. */
  priv: number;
  mode: VmMode;
  /** The vCPU's CSR file (a copy): VS CSRs, hgatp, hstatus, the host's settings. */
  csr: Int32Array;
  /** minstret and mcycle as the VM itself sees them. */
  minstret: bigint;
  mcycle: bigint;
  strategy: string;
}

/** Whether the VM runs trap-and-emulate (shadow, pv: V=0, real U-mode) rather than with the G stage. */
function deprivileged(vm: VmLike): boolean {
  return vm.strategy.hgatp === 0;
}

/** The guest's privilege and mode, and whether the vCPU sits in HS (a trap the hypervisor took and never resumed). */
function modeOf(vm: VmLike, priv: number, virt: number, csr: Int32Array): { priv: number; mode: VmMode; inExit: boolean } {
  let p: number;
  let inExit: boolean;
  if (deprivileged(vm)) {
    // The guest runs in real U; its virtual privilege is hstatus.SPVP (shadow-exits.ts). S with V=0 is the hypervisor.
    inExit = priv !== 0;
    p = (csr[CSR_HSTATUS]! & HSTATUS_SPVP) !== 0 ? 1 : 0;
  } else {
    inExit = virt === 0;
    p = inExit ? (csr[CSR_MSTATUS]! & MSTATUS_SPP) !== 0 ? 1 : 0 : priv;
  }
  return { priv: p, mode: p === 1 ? 'VS' : 'VU', inExit };
}

export function vmStateOf(hv: HypervisorLike, vmId: number, hart: Hart): VmState {
  const vm = hv.vms[vmId];
  if (vm === undefined) throw new RangeError(`no vm${vmId}: this trace has ${hv.vms.length} VM${hv.vms.length === 1 ? '' : 's'}`);
  const live = hv.current === vm && vm.running;
  const icount = hart.icount;
  const virt = live ? Number((hart as unknown as { virt: number | boolean }).virt) : vm.vcpu.virt;
  const src = live ? { x: hart.x, pc: hart.pc, priv: hart.priv, csr: hart.csr } : vm.vcpu;
  const csr = src.csr.slice();
  let minstret: bigint;
  let mcycle: bigint;
  if (live) {
    minstret = BigInt(hart.minstret.low(icount) >>> 0) + (BigInt(hart.minstret.high(icount) >>> 0) << 32n);
    mcycle = BigInt(hart.mcycle.low(icount) >>> 0) + (BigInt(hart.mcycle.high(icount) >>> 0) << 32n);
  } else {
    const [c, i] = vm.vcpu.saveState().counters;
    mcycle = BigInt(c);
    minstret = BigInt(i);
  }
  const mode = modeOf(vm, src.priv, virt, csr);
  return {
    vm: vmId,
    live,
    stopped: vm.outcome !== null,
    vmIcount: vm.retired(icount),
    time: vm.time(icount),
    x: src.x.slice(),
    pc: (mode.inExit ? csr[CSR_SEPC]! : src.pc) >>> 0,
    ...mode,
    csr,
    minstret,
    mcycle,
    strategy: vm.strategy.name,
  };
}

/** The two roots that decide a VM's translation: its vsatp and its hgatp (0 under shadow/pv). */
export interface VmRoots {
  vsatp: number;
  hgatp: number;
}

export function rootsOf(csr: Int32Array): VmRoots {
  return { vsatp: csr[CSR_VSATP]!, hgatp: csr[CSR_HGATP]! };
}

/**
 * Guest-physical to machine-physical for one VM: through its G stage (hgatp) when it
 * has one, else (shadow, pv) the host frame pool's resident frame. A page the VM never
 * touched (no frame yet) or one host paging moved out gives null: only pure reads
 * here, never a fault-in.
 */
export function gpaReader(ram: Ram, hv: HypervisorLike, vmId: number, hgatp: number): (gpa: number) => number | null {
  const vm = hv.vms[vmId]!;
  const memBase = vm.strategy.memBase ?? 0x80000000;
  return (gpa) => {
    if (gpa < 0) return null;
    if (hgatp < 0) {
      const pa = translateSv32x4(ram, hgatp, gpa);
      if (pa !== null) return pa;
    }
    if (gpa < memBase || gpa >= memBase + vm.memSize || hv.pool === undefined) return null;
    const frame = hv.pool.residentFrame(vmId, Math.floor(gpa / 4096));
    return frame < 0 ? null : frame + (gpa % 4096);
  };
}

/** A VM's guest-virtual address through its vsatp (tables read guest-physically) to guest-physical. */
export function vmGuestPhysical(ram: Ram, hv: HypervisorLike, vmId: number, roots: VmRoots, va: number): number | null {
  return walkSv32View(tableReader(ram, gpaReader(ram, hv, vmId, roots.hgatp)), roots.vsatp, va >>> 0);
}

/** A VM's address to machine-physical: guest-virtual (vsatp, then its G stage) or guest-physical. */
export function vmMachineAddress(ram: Ram, hv: HypervisorLike, vmId: number, roots: VmRoots, addr: number, space: 'physical' | 'virtual'): number | null {
  const toPa = gpaReader(ram, hv, vmId, roots.hgatp);
  const gpa = space === 'physical' ? addr : walkSv32View(tableReader(ram, toPa), roots.vsatp, addr >>> 0);
  return gpa === null ? null : toPa(gpa);
}

/** The mappings of the VM's own tables (vsatp): va to guest-physical. */
export function vmMappings(ram: Ram, hv: HypervisorLike, vmId: number, roots: VmRoots): Mapping[] {
  return sv32Mappings(tableReader(ram, gpaReader(ram, hv, vmId, roots.hgatp)), roots.vsatp);
}

function tableReader(ram: Ram, toPa: (gpa: number) => number | null): TableReader {
  const direct = ramReader(ram);
  return (gpa) => {
    const pa = toPa(gpa);
    return pa === null ? null : direct(pa);
  };
}

/**
 * Instructions VM `vmId` had retired at a snapshot, from the hypervisor's contributor
 * state in it (Vm.saveState: retiredBase, entryIcount, running); null when the snapshot
 * does not say (then it cannot bound a per-VM seek).
 */
export function retiredInSnapshot(state: { icount: number; host: Record<string, unknown> }, vmId: number): number | null {
  const hv = state.host['hypervisor'] as { vms?: { retiredBase?: unknown; entryIcount?: unknown; running?: unknown }[] } | undefined;
  const v = hv?.vms?.[vmId];
  if (v === undefined || typeof v.retiredBase !== 'number' || typeof v.entryIcount !== 'number') return null;
  return v.running === true ? v.retiredBase + (state.icount - v.entryIcount) : v.retiredBase;
}

/**
 * Whether a snapshot is of a host-paging run but lacks the pager's state (a recording's
 * snapshot: the recorder's backing store is not snapshotted), so it cannot be restored.
 */
export function pagerStateMissing(state: { host: Record<string, unknown> }): boolean {
  const pool = (state.host.hypervisor as { pool?: { paging?: boolean; pager?: unknown } } | undefined)?.pool;
  return pool?.paging === true && pool.pager === undefined;
}
