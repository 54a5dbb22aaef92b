import {
  CSR,
  EXC_ILLEGAL,
  EXC_INSN_ACCESS,
  EXC_LOAD_ACCESS,
  EXC_STORE_ACCESS,
  HSTATUS_SPVP,
  // The virtual sstatus (kept in vsstatus) has sstatus's layout.
  MSTATUS_MXR as MXR,
  MSTATUS_SIE as SIE,
  MSTATUS_SPIE as SPIE,
  MSTATUS_SPP as SPP,
  MSTATUS_SUM as SUM,
  VS_INTERRUPTS,
  type Hart,
} from '@hvrr/cpu';
import { SBI_EXT_BASE, UART_BASE, UART_SIZE, SBI_EXT_HVRR_PV } from '@hvrr/machine';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, type AccessType } from '@hvrr/mmu';
import type { ExitInfo } from './exit-handlers.js';
import { amoResult, decodeGuestAccess } from './guest-access.js';
import { guestSbiCall } from './guest-sbi.js';
import { emulateGuestSret } from './guest-sret.js';
import type { Hypervisor } from './hypervisor.js';
import { pvCall } from './pv-mmu.js';
import { PvStrategy } from './pv-strategy.js';
import { walkGuestSv32 } from './shadow-guest-walk.js';
import { VIEW_KERNEL, VIEW_USER, type ShadowStrategy } from './shadow-strategy.js';
import { IDLE_FOREVER, type Vm } from './vm.js';

/*
 * VM exits of trap-and-emulate VMs (`shadow`, `pv`). The guest kernel and its processes
 * run in real U-mode (V = 0); every trap goes to HS (medeleg), so the hypervisor sees:
 * illegal instructions (the guest kernel's privileged instructions, emulated against
 * its virtual CSRs), ecalls (SBI calls from the virtual S-mode, system calls from the
 * virtual U-mode), page faults (hidden ones fill the shadow; stores to page-table pages
 * are emulated as ptws; the rest are the guest's own) and the guest's other exceptions.
 *
 * The vCPU's virtual supervisor state lives where `nested` keeps it, in the hart's VS
 * CSRs (vsstatus, vstvec, vsscratch, vsepc, vscause, vstval, vsatp; virtual sie/sip are
 * the VS bits of mie/hvip), none of which the hart uses with V = 0; the virtual
 * privilege (1 S, 0 U) is hstatus.SPVP, which only HLV/HSV read. So a vCPU switch saves
 * it with the CSR file, and interrupts pend exactly as under `nested` (hvip.VSTIP).
 */

const WFI = 0x10500073;
const SRET = 0x10200073;
const SSTATUS_WRITABLE = SIE | SPIE | SPP | SUM | MXR;
const VSSIP = 1 << 2;
const VS_PENDING = VS_INTERRUPTS;
/** A guest-visible exception repeated this often at one instruction count is a fault storm. */
const STORM_LIMIT = 64;
/** A hidden fault repeated this often for one address with no progress is a hypervisor-level livelock. */
const FILL_LIMIT = 8;

export function virtualPriv(hart: Hart): 0 | 1 {
  return (hart.csr[CSR.hstatus] & HSTATUS_SPVP) !== 0 ? 1 : 0;
}

function setVirtualPriv(hart: Hart, s: ShadowStrategy, vpriv: 0 | 1): void {
  const csr = hart.csr;
  csr[CSR.hstatus] = vpriv === 1 ? csr[CSR.hstatus] | HSTATUS_SPVP : csr[CSR.hstatus] & ~HSTATUS_SPVP;
  const satp = s.viewSatp(vpriv);
  if (csr[CSR.satp] !== satp) {
    csr[CSR.satp] = satp;
    hart.contextChanged();
  }
}

/** Sets up a trap-and-emulate vCPU at reset: real U-mode, the kernel view, virtual S-mode. */
export function resetShadowVcpu(hart: Hart, s: ShadowStrategy): void {
  const csr = hart.csr;
  csr[CSR.hgatp] = 0;
  csr[CSR.hedeleg] = 0;
  csr[CSR.hstatus] = HSTATUS_SPVP;
  // Counter reads from U trap, so time/cycle/instret are emulated against the VM's own values.
  csr[CSR.mcounteren] = 0;
  csr[CSR.satp] = s.viewSatp(1);
  hart.priv = 0;
  hart.virt = 0;
}

/** Back into the guest (real U-mode, V = 0) at `pc`. */
function resume(hv: Hypervisor, pc: number): void {
  const csr = hv.hart.csr;
  csr[CSR.mstatus] &= ~SPP;
  csr[CSR.sepc] = pc | 0;
  hv.hart.resumeGuest();
}

function retireAndResume(hv: Hypervisor, e: ExitInfo): void {
  hv.hart.retireEmulated();
  resume(hv, e.epc + 4);
}

/**
 * Enters the guest kernel at its virtual stvec, as the hart enters VS for a trap under
 * `nested` (vsepc, vscause, vstval, vsstatus SPP/SPIE/SIE), and emits the same events
 * (for an interrupt `irq` taken, then `trap`). Returns the handler's pc.
 */
function enterGuestKernel(hv: Hypervisor, s: ShadowStrategy, epc: number, cause: number, interrupt: boolean, tval: number): number {
  const hart = hv.hart;
  const csr = hart.csr;
  const from = virtualPriv(hart);
  const vs = csr[CSR.vsstatus];
  let next = vs & ~(SPP | SPIE | SIE);
  if ((vs & SIE) !== 0) next |= SPIE;
  if (from === 1) next |= SPP;
  csr[CSR.vsstatus] = next;
  const vsCause = interrupt ? cause - 1 : cause;
  csr[CSR.vsepc] = epc;
  csr[CSR.vscause] = (interrupt ? 0x80000000 : 0) | vsCause;
  csr[CSR.vstval] = tval;
  setVirtualPriv(hart, s, 1);
  const tvec = csr[CSR.vstvec];
  if (hv.wantsEvents) {
    if (interrupt) hv.emit({ type: 'irq', icount: hart.icount, irq: cause, action: 'taken' });
    hv.emit({ type: 'trap', icount: hart.icount, cause, interrupt, tval, epc, from, to: 1, handler: 'guest', fromVirt: true, toVirt: true });
  }
  return ((tvec & ~3) + (interrupt && (tvec & 3) === 1 ? 4 * vsCause : 0)) | 0;
}

/** A guest-visible exception: into the guest kernel, unless it is a storm (the VM stops). */
function injectException(hv: Hypervisor, vm: Vm, s: ShadowStrategy, e: ExitInfo, cause: number, tval: number): boolean {
  const g = s.lastInjection;
  if (g.icount === hv.hart.icount) g.repeats++;
  else {
    g.icount = hv.hart.icount;
    g.repeats = 1;
  }
  if (g.repeats > STORM_LIMIT) {
    hv.stopVm(vm, {
      kind: 'error',
      message: `fault storm: ${g.repeats} guest exceptions (last: cause ${cause} at guest pc 0x${(e.epc >>> 0).toString(16)}, tval 0x${(tval >>> 0).toString(16)}) with no instruction retired between them`,
    });
    return false;
  }
  resume(hv, enterGuestKernel(hv, s, e.epc, cause, false, tval));
  return true;
}

/**
 * Virtual interrupts (called when the hart is between instructions: in sync): a VS
 * interrupt pending in hvip and enabled in the virtual sie enters the guest kernel when
 * the guest runs in virtual U-mode or with virtual sstatus.SIE, exactly where the hart
 * would take it under `nested`.
 */
export function deliverVirtualInterrupt(hv: Hypervisor, s: ShadowStrategy): void {
  const hart = hv.hart;
  const csr = hart.csr;
  const pending = csr[CSR.hvip] & csr[CSR.mie] & csr[CSR.hideleg] & VS_PENDING;
  if (pending === 0) return;
  if (virtualPriv(hart) === 1 && (csr[CSR.vsstatus] & SIE) === 0) return;
  // Priority as the hart's: VSEI, VSSI, VSTI.
  const irq = (pending & (1 << 10)) !== 0 ? 10 : (pending & (1 << 2)) !== 0 ? 2 : 6;
  hart.pc = enterGuestKernel(hv, s, hart.pc, irq, true, 0);
  hart.contextChanged();
}

/** Handles one exit of a trap-and-emulate VM; returns the reason and resolution for the exit event. */
export function handleShadowExit(hv: Hypervisor, vm: Vm, s: ShadowStrategy, e: ExitInfo): { reason: string; resolution: string } {
  if (e.interrupt) {
    resume(hv, e.epc);
    return { reason: 'interrupt', resolution: 'resumed' };
  }
  switch (e.cause) {
    case EXC_ILLEGAL:
      return { reason: 'privileged_instruction', resolution: privileged(hv, vm, s, e) };
    case 8:
      if (virtualPriv(hv.hart) === 0) {
        // A system call of the guest's process: to its kernel, as hedeleg sends it under `nested`.
        return { reason: 'syscall', resolution: injectException(hv, vm, s, e, 8, 0) ? 'injected' : 'vm-stopped' };
      }
      return { reason: 'sbi', resolution: sbiCall(hv, vm, s, e) };
    case 12:
      return { reason: 'page_fault_fetch', resolution: pageFault(hv, vm, s, e, ACCESS_FETCH) };
    case 13:
      return { reason: 'page_fault_load', resolution: pageFault(hv, vm, s, e, ACCESS_LOAD) };
    case 15:
      return { reason: 'page_fault_store', resolution: pageFault(hv, vm, s, e, ACCESS_STORE) };
  }
  if (e.cause < 16) {
    // The guest's own exception (misaligned, breakpoint, ...): its kernel handles it.
    return { reason: `exception_${e.cause}`, resolution: injectException(hv, vm, s, e, e.cause, e.tval) ? 'injected' : 'vm-stopped' };
  }
  hv.stopVm(vm, { kind: 'error', message: `unexpected VM exit: cause ${e.cause} at guest pc 0x${(e.epc >>> 0).toString(16)}` });
  return { reason: `exception_${e.cause}`, resolution: 'vm-stopped' };
}

// ------------------------------------------------------------------ SBI

function sbiCall(hv: Hypervisor, vm: Vm, s: ShadowStrategy, e: ExitInfo): string {
  const hart = hv.hart;
  const x = hart.x;
  const eid = x[17]! >>> 0;
  const fid = x[16]! >>> 0;
  const args = [x[10]!, x[11]!, x[12]!, x[13]!, x[14]!, x[15]!];
  let r: { legacy: boolean; error: number; value: number };
  if (eid === SBI_EXT_HVRR_PV && s instanceof PvStrategy) r = { legacy: false, ...pvCall(hv, vm, s, fid, args) };
  else if (eid === SBI_EXT_BASE && fid === 3 && args[0]! >>> 0 === SBI_EXT_HVRR_PV && s instanceof PvStrategy) r = { legacy: false, error: 0, value: 1 };
  else r = guestSbiCall(hv.sbiHost, vm, eid, fid, args);
  x[10] = r.error;
  if (!r.legacy) x[11] = r.value;
  if (hv.wantsEvents) hv.emit({ type: 'sbi', icount: hart.icount, eid, fid: r.legacy ? 0 : fid, args, error: r.error, value: r.value });
  if (vm.outcome !== null) return 'vm-stopped';
  resume(hv, e.epc + 4); // ECALL does not retire
  return 'sbi';
}

// ------------------------------------------------------------------ privileged instructions

/** An illegal-instruction trap: the guest kernel's privileged instruction (emulated) or the guest's own illegal instruction. */
function privileged(hv: Hypervisor, vm: Vm, s: ShadowStrategy, e: ExitInfo): string {
  const hart = hv.hart;
  const insn = e.insn !== 0 ? e.insn : e.tval;
  const vpriv = virtualPriv(hart);
  const f3 = (insn >>> 12) & 7;
  if ((insn & 0x7f) === 0x73 && f3 !== 0 && f3 !== 4) {
    const done = emulateCsr(hv, vm, s, insn, vpriv);
    if (done === null) return injectException(hv, vm, s, e, EXC_ILLEGAL, insn) ? 'illegal-injected' : 'vm-stopped';
    retireAndResume(hv, e);
    return done;
  }
  if (vpriv === 1) {
    if (insn === SRET) return sret(hv, s, e);
    if (insn === WFI) {
      hart.retireEmulated();
      if ((hart.csr[CSR.hvip] & VS_PENDING) === 0 && !hv.waitForTimer(vm, hart.icount)) {
        hv.stopVm(vm, IDLE_FOREVER);
        return 'vm-stopped';
      }
      resume(hv, e.epc + 4);
      return 'wfi';
    }
    if ((insn & 0xfe007fff) === 0x12000073) {
      s.flush();
      hart.contextChanged();
      retireAndResume(hv, e);
      return 'sfence.vma';
    }
  }
  return injectException(hv, vm, s, e, EXC_ILLEGAL, insn) ? 'illegal-injected' : 'vm-stopped';
}

function sret(hv: Hypervisor, s: ShadowStrategy, e: ExitInfo): string {
  const { to, target } = emulateGuestSret(hv, e);
  setVirtualPriv(hv.hart, s, to);
  resume(hv, target);
  return 'sret';
}

/**
 * A CSR instruction of the guest, against its virtual CSRs, with the rules the hart
 * applies to the same access in VS/VU under `nested`. Returns the resolution, or null
 * when the guest gets an illegal-instruction exception.
 */
function emulateCsr(hv: Hypervisor, vm: Vm, s: ShadowStrategy, insn: number, vpriv: 0 | 1): string | null {
  const hart = hv.hart;
  const csr = hart.csr;
  const x = hart.x;
  const addr = insn >>> 20;
  const rd = (insn >>> 7) & 31;
  const rs1 = (insn >>> 15) & 31;
  const f3 = (insn >>> 12) & 7;
  const op = f3 & 3;
  const src = (f3 & 4) !== 0 ? rs1 : x[rs1]!;
  const writes = op === 1 || rs1 !== 0;
  const newValue = (old: number): number => (op === 1 ? src : op === 2 ? old | src : old & ~src);

  if ((addr >= 0xc00 && addr < 0xc20) || (addr >= 0xc80 && addr < 0xca0)) {
    // User counters: read-only; in virtual U they need the guest's scounteren.
    if (writes) return null;
    const bit = addr & 31;
    if (vpriv === 0 && ((csr[CSR.scounteren] >>> bit) & 1) === 0) return null;
    const high = addr >= 0xc80;
    let v = 0;
    if (bit === 1) {
      const t = vm.time(hart.icount);
      v = high ? Math.floor(t / 2 ** 32) | 0 : t % 2 ** 32 | 0;
    } else if (bit === 0 || bit === 2) {
      const c = (bit === 0 ? hart.mcycle : hart.minstret).value(hart.icount);
      v = Number(high ? (c >> 32n) & 0xffffffffn : c & 0xffffffffn) | 0;
    }
    if (rd !== 0) x[rd] = v;
    return 'csr';
  }
  if (vpriv === 0 || ((addr >>> 8) & 3) !== 1) return null;

  let read: () => number;
  let write: (v: number) => void;
  switch (addr) {
    case CSR.sstatus:
      read = () => csr[CSR.vsstatus];
      write = (v) => {
        const old = csr[CSR.vsstatus];
        const next = v & SSTATUS_WRITABLE;
        csr[CSR.vsstatus] = next;
        if (((old ^ next) & SUM) !== 0) s.sumChanged();
        if (((old ^ next) & MXR) !== 0) {
          csr[CSR.mstatus] = (next & MXR) !== 0 ? csr[CSR.mstatus] | MXR : csr[CSR.mstatus] & ~MXR;
          hart.contextChanged();
        }
      };
      break;
    case CSR.sie:
      read = () => (csr[CSR.mie] & csr[CSR.hideleg] & VS_INTERRUPTS) >>> 1;
      write = (v) => {
        const m = csr[CSR.hideleg] & VS_INTERRUPTS;
        csr[CSR.mie] = (csr[CSR.mie] & ~m) | ((v << 1) & m);
      };
      break;
    case CSR.sip:
      read = () => ((csr[CSR.mip] | csr[CSR.hvip]) & csr[CSR.hideleg] & VS_INTERRUPTS) >>> 1;
      write = (v) => {
        const m = csr[CSR.hideleg] & VSSIP;
        csr[CSR.hvip] = (csr[CSR.hvip] & ~m) | ((v << 1) & m);
      };
      break;
    case CSR.stvec:
      read = () => csr[CSR.vstvec];
      write = (v) => {
        csr[CSR.vstvec] = (v & 3) >= 2 ? (v & ~3) | (csr[CSR.vstvec] & 3) : v;
      };
      break;
    case CSR.sscratch:
      read = () => csr[CSR.vsscratch];
      write = (v) => void (csr[CSR.vsscratch] = v);
      break;
    case CSR.sepc:
      read = () => csr[CSR.vsepc] & ~3;
      write = (v) => void (csr[CSR.vsepc] = v & ~3);
      break;
    case CSR.scause:
      read = () => csr[CSR.vscause];
      write = (v) => void (csr[CSR.vscause] = v);
      break;
    case CSR.stval:
      read = () => csr[CSR.vstval];
      write = (v) => void (csr[CSR.vstval] = v);
      break;
    case CSR.satp:
      read = () => csr[CSR.vsatp];
      write = (v) => {
        csr[CSR.vsatp] = v;
        s.rootChanged(v);
        hart.contextChanged();
      };
      break;
    case CSR.scounteren:
      read = () => csr[CSR.scounteren];
      write = (v) => void (csr[CSR.scounteren] = v);
      break;
    case CSR.senvcfg:
      read = () => csr[CSR.senvcfg] & 1;
      write = (v) => void (csr[CSR.senvcfg] = v & 1);
      break;
    default:
      return null;
  }
  const old = op === 1 && rd === 0 ? 0 : read();
  if (writes) write(newValue(old));
  if (rd !== 0) x[rd] = old;
  return addr === CSR.satp ? 'satp' : 'csr';
}

// ------------------------------------------------------------------ page faults

/**
 * A page fault in real U-mode: walk the guest's own tables for the access. The guest
 * refuses it: its page fault (or access fault) enters its kernel. The guest allows it:
 * a store to a page-table page is emulated (ptw), a UART access is emulated (mmio),
 * anything else is a hidden fault: the shadow gets the entry and the access retries.
 */
function pageFault(hv: Hypervisor, vm: Vm, s: ShadowStrategy, e: ExitInfo, access: AccessType): string {
  const hart = hv.hart;
  const csr = hart.csr;
  const va = e.tval >>> 0;
  const vpriv = virtualPriv(hart);
  const vs = csr[CSR.vsstatus];
  const r = walkGuestSv32(s.guestWords, csr[CSR.vsatp], va, access, vpriv, (vs & SUM) !== 0, (vs & MXR) !== 0);
  const accessFault = access === ACCESS_FETCH ? EXC_INSN_ACCESS : access === ACCESS_LOAD ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS;
  if (r.kind === 'page-fault') return injectException(hv, vm, s, e, e.cause, e.tval) ? 'page-fault-injected' : 'vm-stopped';
  if (r.kind === 'access-fault') return injectException(hv, vm, s, e, accessFault, e.tval) ? 'access-fault-injected' : 'vm-stopped';
  const gpn = Math.floor(r.gpa / 4096);
  if (!s.isRam(gpn)) {
    if (access !== ACCESS_FETCH && r.gpa >= UART_BASE && r.gpa < UART_BASE + UART_SIZE) return uartAccess(hv, vm, s, e, r.gpa);
    return injectException(hv, vm, s, e, accessFault, e.tval) ? 'access-fault-injected' : 'vm-stopped';
  }
  if (access === ACCESS_STORE && s.isWriteProtected(gpn)) return tableStore(hv, vm, s, e, r.gpa);
  const g = s.lastFill;
  if (g.icount === hart.icount && g.va === va) {
    if (++g.repeats > FILL_LIMIT) {
      hv.stopVm(vm, { kind: 'error', message: `shadow fill for guest va 0x${va.toString(16)} at guest pc 0x${(e.epc >>> 0).toString(16)} makes no progress` });
      return 'vm-stopped';
    }
  } else {
    g.icount = hart.icount;
    g.va = va;
    g.repeats = 1;
  }
  s.fill(vpriv === 1 ? VIEW_KERNEL : VIEW_USER, va, gpn, r.pte);
  hart.contextChanged();
  resume(hv, e.epc);
  return 'shadow-fill';
}

/** A guest store (or AMO) to one of its page-table pages: emulate it, report the ptw. */
function tableStore(hv: Hypervisor, vm: Vm, s: ShadowStrategy, e: ExitInfo, gpa: number): string {
  const acc = e.insn !== 0 ? decodeGuestAccess(e.insn) : null;
  const hart = hv.hart;
  const x = hart.x;
  if (acc === null || acc.kind === 'load' || (acc.kind === 'amo' && acc.amo === 2)) {
    hv.stopVm(vm, { kind: 'error', message: `cannot emulate the store at guest pc 0x${(e.epc >>> 0).toString(16)} to a page-table page` });
    return 'vm-stopped';
  }
  let written;
  if (acc.kind === 'store') written = s.storeToTable(gpa, acc.size, x[acc.rs2]!);
  else if (acc.amo === 3) {
    // SC.W: the trap cleared the reservation, as it does under `nested`: it fails.
    if (!hart.resValid) {
      if (acc.rd !== 0) x[acc.rd] = 1;
      retireAndResume(hv, e);
      return 'sc-failed';
    }
    hart.resValid = false;
    written = s.storeToTable(gpa, 4, x[acc.rs2]!);
    if (acc.rd !== 0) x[acc.rd] = 0;
  } else {
    const old = s.readWord(gpa) ?? 0;
    written = s.storeToTable(gpa, 4, amoResult(acc.amo, old, x[acc.rs2]!));
    if (acc.rd !== 0) x[acc.rd] = old;
  }
  const isPtw = s.isTablePage(Math.floor(gpa / 4096));
  if (isPtw) {
    vm.countPtw('trap');
    if (hv.wantsEvents) hv.emit({ type: 'ptw', icount: hart.icount, gpa: written.wordGpa, old: written.old, new: written.new, how: 'trap' });
  }
  retireAndResume(hv, e);
  return isPtw ? 'ptw' : 'table-store';
}

/** A load or store to the VM's NS16550A, decoded from the trapping instruction. */
function uartAccess(hv: Hypervisor, vm: Vm, s: ShadowStrategy, e: ExitInfo, gpa: number): string {
  const acc = e.insn !== 0 ? decodeGuestAccess(e.insn) : null;
  if (acc === null || acc.kind === 'amo') {
    return injectException(hv, vm, s, e, e.cause === 13 ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS, e.tval) ? 'access-fault-injected' : 'vm-stopped';
  }
  const x = hv.hart.x;
  const offset = gpa - UART_BASE;
  let value: number;
  if (acc.kind === 'load') {
    const v = vm.uart.read(offset, acc.size);
    value = acc.size === 4 ? v | 0 : acc.size === 2 ? (acc.signed ? (v << 16) >> 16 : v & 0xffff) : acc.signed ? (v << 24) >> 24 : v & 0xff;
    if (acc.rd !== 0) x[acc.rd] = value;
  } else {
    const v = x[acc.rs2]!;
    value = acc.size === 4 ? v : acc.size === 2 ? v & 0xffff : v & 0xff;
    vm.uart.write(offset, acc.size, value);
  }
  if (hv.wantsEvents) hv.emit({ type: 'mmio', icount: hv.hart.icount, op: acc.kind === 'load' ? 'read' : 'write', addr: gpa, size: acc.size, value, device: 'uart' });
  retireAndResume(hv, e);
  return 'mmio';
}
