import {
  CSR,
  EXC_ILLEGAL,
  EXC_INSN_ACCESS,
  EXC_LOAD_ACCESS,
  EXC_STORE_ACCESS,
  HSTATUS_SPV,
  MSTATUS_SPP,
  // vsstatus has sstatus's layout.
  MSTATUS_SIE as VSSTATUS_SIE,
  MSTATUS_SPIE as VSSTATUS_SPIE,
  MSTATUS_SPP as VSSTATUS_SPP,
  VS_INTERRUPTS as VS_PENDING,
} from '@hvrr/cpu';
import { UART_BASE, UART_SIZE } from '@hvrr/machine';
import { amoResult, decodeGuestAccess, isWalkPseudoinstruction, type GuestAccess } from './guest-access.js';
import { guestSbiCall } from './guest-sbi.js';
import { emulateGuestSret } from './guest-sret.js';
import type { Hypervisor } from './hypervisor.js';
import { exitReason } from './exit-reasons.js';
import type { GuestAccessOrigin } from './memory-strategy.js';
import { handleShadowExit } from './shadow-exits.js';
import { ShadowStrategy } from './shadow-strategy.js';
import { IDLE_FOREVER, type Vm } from './vm.js';

/** A VM exit as the hart left it in the HS CSRs. */
export interface ExitInfo {
  cause: number;
  interrupt: boolean;
  /** sepc: the guest pc of the trapping instruction. */
  epc: number;
  tval: number;
  htval: number;
  htinst: number;
  /** The trapping instruction's bits (0 when its fetch faulted). */
  insn: number;
  /** The guest's privilege at the trap: 1 = VS, 0 = VU (sstatus.SPP). */
  guestPriv: 0 | 1;
  /** hart.icount at the exit. */
  icount: number;
}

/** Returns the resolution (what the hypervisor did), for the exit event. */
type ExitHandler = (hv: Hypervisor, vm: Vm, e: ExitInfo) => string;

const WFI = 0x10500073;
const SRET = 0x10200073;

/** The exit-dispatch table, by exception cause. */
const HANDLERS: (ExitHandler | undefined)[] = [];
HANDLERS[8] = forwardedSyscall;
HANDLERS[10] = sbiCall;
HANDLERS[20] = guestPageFault;
HANDLERS[21] = guestPageFault;
HANDLERS[22] = virtualInstruction;
HANDLERS[23] = guestPageFault;

/** Handles one VM exit of `vm` and resumes it (unless it stopped). */
export function handleExit(hv: Hypervisor, vm: Vm, e: ExitInfo): { reason: string; resolution: string } {
  if (vm.strategy instanceof ShadowStrategy) return handleShadowExit(hv, vm, vm.strategy, e);
  const reason = exitReason(e.cause, e.interrupt);
  if (e.interrupt) {
    // Nothing interrupts HS on a hypervisor run (host time is virtual); go back in.
    resume(hv, e.epc);
    return { reason, resolution: 'resumed' };
  }
  const handler = HANDLERS[e.cause];
  if (handler !== undefined) return { reason, resolution: handler(hv, vm, e) };
  if (e.cause < 16) {
    // A guest exception hedeleg did not send to the guest: reflect it there, as hardware would have.
    inject(hv, e, e.cause, e.tval);
    return { reason, resolution: 'injected' };
  }
  hv.stopVm(vm, { kind: 'error', message: `unexpected VM exit: cause ${e.cause} at guest pc 0x${(e.epc >>> 0).toString(16)}` });
  return { reason, resolution: 'vm-stopped' };
}

// ------------------------------------------------------------------ resuming

/** Back into the guest at `pc` (SRET from HS: V and the guest's privilege as the trap saved them). */
function resume(hv: Hypervisor, pc: number): void {
  hv.hart.csr[CSR.sepc] = pc | 0;
  hv.hart.resumeGuest();
}

/** The hypervisor did what the trapping instruction asked: it retires, and the guest goes on after it. */
function retireAndResume(hv: Hypervisor, e: ExitInfo): void {
  hv.hart.retireEmulated();
  resume(hv, e.epc + 4);
}

/**
 * Delivers an exception to the guest kernel as the hart would have had hedeleg sent it
 * there: vsepc, vscause, vstval, vsstatus (SPP, SPIE, SIE), then VS-mode at vstvec.
 */
function inject(hv: Hypervisor, e: ExitInfo, cause: number, tval: number): void {
  const hart = hv.hart;
  const csr = hart.csr;
  const vs = csr[CSR.vsstatus];
  let next = vs & ~(VSSTATUS_SPP | VSSTATUS_SPIE | VSSTATUS_SIE);
  if ((vs & VSSTATUS_SIE) !== 0) next |= VSSTATUS_SPIE;
  if (e.guestPriv === 1) next |= VSSTATUS_SPP;
  csr[CSR.vsstatus] = next;
  csr[CSR.vsepc] = e.epc;
  csr[CSR.vscause] = cause;
  csr[CSR.vstval] = tval;
  const handlerPc = csr[CSR.vstvec] & ~3;
  csr[CSR.mstatus] |= MSTATUS_SPP;
  csr[CSR.hstatus] |= HSTATUS_SPV;
  if (hv.wantsEvents)
    hv.emit({ type: 'trap', icount: hart.icount, cause, interrupt: false, tval, epc: e.epc, from: e.guestPriv, to: 1, handler: 'guest', fromVirt: true, toVirt: true });
  resume(hv, handlerPc);
}

/** The instruction bits to decode: the trapping instruction, else htinst's transformed form. */
function trappingAccess(e: ExitInfo): GuestAccess | null {
  if (e.insn !== 0) return decodeGuestAccess(e.insn);
  if (e.htinst !== 0 && !isWalkPseudoinstruction(e.htinst)) return decodeGuestAccess(e.htinst | 3);
  return null;
}

function setRd(hv: Hypervisor, rd: number, value: number): void {
  if (rd !== 0) hv.hart.x[rd] = value | 0;
}

// ------------------------------------------------------------------ handlers

/** ecall from VU with forwardSyscalls: the system call goes to the guest kernel through the hypervisor. */
function forwardedSyscall(hv: Hypervisor, _vm: Vm, e: ExitInfo): string {
  inject(hv, e, 8, 0);
  return 'injected';
}

/** ecall from VS: an SBI call. */
function sbiCall(hv: Hypervisor, vm: Vm, e: ExitInfo): string {
  const hart = hv.hart;
  const x = hart.x;
  const eid = x[17] >>> 0;
  const fid = x[16] >>> 0;
  const args = [x[10], x[11], x[12], x[13], x[14], x[15]];
  const r = guestSbiCall(hv.sbiHost, vm, eid, fid, args);
  x[10] = r.error;
  if (!r.legacy) x[11] = r.value;
  if (hv.wantsEvents) hv.emit({ type: 'sbi', icount: hart.icount, eid, fid: r.legacy ? 0 : fid, args, error: r.error, value: r.value });
  if (vm.outcome !== null) return 'vm-stopped';
  resume(hv, e.epc + 4); // ECALL does not retire
  return 'sbi';
}

/** Guest-page faults: back guest RAM, emulate a page-table store or the UART, or refuse. */
function guestPageFault(hv: Hypervisor, vm: Vm, e: ExitInfo): string {
  const gpa = (e.htval >>> 0) * 4 + (e.tval & 3);
  const origin: GuestAccessOrigin = isWalkPseudoinstruction(e.htinst) ? ((e.htinst & 0x20) !== 0 ? 'walk-write' : 'walk-read') : 'explicit';
  const found = vm.strategy.guestPageFault(e.cause, gpa, origin);
  if (found === 'mapped') {
    resume(hv, e.epc);
    return 'mapped';
  }
  if (found === 'table-store') return tableStore(hv, vm, e, gpa);
  if (origin === 'explicit' && e.cause !== 20 && gpa >= UART_BASE && gpa < UART_BASE + UART_SIZE) return uartAccess(hv, vm, e, gpa);
  // Nothing there for this VM: an access fault, as a bus error would be on real hardware.
  inject(hv, e, e.cause === 20 ? EXC_INSN_ACCESS : e.cause === 21 ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS, e.tval);
  return 'access-fault-injected';
}

/** A guest store (or AMO) to a write-protected page-table page: emulate it, report the ptw. */
function tableStore(hv: Hypervisor, vm: Vm, e: ExitInfo, gpa: number): string {
  const acc = trappingAccess(e);
  const x = hv.hart.x;
  if (acc === null || acc.kind === 'load' || (acc.kind === 'amo' && acc.amo === 2)) {
    hv.stopVm(vm, { kind: 'error', message: `cannot emulate the store at guest pc 0x${(e.epc >>> 0).toString(16)} to a page-table page` });
    return 'vm-stopped';
  }
  let written;
  if (acc.kind === 'store') {
    written = vm.strategy.storeToTable(gpa, acc.size, x[acc.rs2]);
  } else if (acc.amo === 3) {
    // SC.W: succeeds only with a reservation, as natively.
    if (!hv.hart.resValid) {
      setRd(hv, acc.rd, 1);
      retireAndResume(hv, e);
      return 'sc-failed';
    }
    hv.hart.resValid = false;
    written = vm.strategy.storeToTable(gpa, 4, x[acc.rs2]);
    setRd(hv, acc.rd, 0);
  } else {
    const old = hv.readGuest(vm, gpa, 4);
    const oldWord = old === null ? 0 : old[0] | (old[1] << 8) | (old[2] << 16) | (old[3] << 24);
    written = vm.strategy.storeToTable(gpa, 4, amoResult(acc.amo, oldWord, x[acc.rs2]));
    setRd(hv, acc.rd, oldWord);
  }
  vm.countPtw('trap');
  if (hv.wantsEvents) hv.emit({ type: 'ptw', icount: hv.hart.icount, gpa: written.wordGpa, old: written.old, new: written.new, how: 'trap' });
  retireAndResume(hv, e);
  return 'ptw';
}

/** A load or store to the VM's NS16550A: decoded from the trapping instruction and emulated. */
function uartAccess(hv: Hypervisor, vm: Vm, e: ExitInfo, gpa: number): string {
  const acc = trappingAccess(e);
  if (acc === null || acc.kind === 'amo') {
    inject(hv, e, e.cause === 21 ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS, e.tval);
    return 'access-fault-injected';
  }
  const offset = gpa - UART_BASE;
  let value: number;
  if (acc.kind === 'load') {
    const v = vm.uart.read(offset, acc.size);
    value = acc.size === 4 ? v | 0 : acc.size === 2 ? (acc.signed ? (v << 16) >> 16 : v & 0xffff) : acc.signed ? (v << 24) >> 24 : v & 0xff;
    setRd(hv, acc.rd, value);
  } else {
    const v = hv.hart.x[acc.rs2];
    value = acc.size === 4 ? v : acc.size === 2 ? v & 0xffff : v & 0xff;
    vm.uart.write(offset, acc.size, value);
  }
  if (hv.wantsEvents) hv.emit({ type: 'mmio', icount: hv.hart.icount, op: acc.kind === 'load' ? 'read' : 'write', addr: gpa, size: acc.size, value, device: 'uart' });
  retireAndResume(hv, e);
  return 'mmio';
}

/** Virtual-instruction exits: WFI (VTW), satp and SFENCE.VMA (VTVM), SRET (VTSR); anything else is illegal to the guest. */
function virtualInstruction(hv: Hypervisor, vm: Vm, e: ExitInfo): string {
  const insn = e.insn !== 0 ? e.insn : e.tval;
  const hart = hv.hart;
  const csr = hart.csr;
  if (e.guestPriv === 1) {
    if (insn === WFI) {
      hart.retireEmulated();
      if ((csr[CSR.hvip] & VS_PENDING) === 0 && !hv.waitForTimer(vm, hart.icount)) {
        hv.stopVm(vm, IDLE_FOREVER);
        return 'vm-stopped';
      }
      resume(hv, e.epc + 4);
      return 'wfi';
    }
    if ((insn & 0xfe007fff) === 0x12000073) {
      // SFENCE.VMA: the hart's TLBs cache the combined translation; drop them.
      vm.strategy.flush();
      hart.contextChanged();
      retireAndResume(hv, e);
      return 'sfence.vma';
    }
    const f3 = (insn >>> 12) & 7;
    if ((insn & 0x7f) === 0x73 && f3 !== 0 && f3 !== 4 && insn >>> 20 === CSR.satp) {
      const rd = (insn >>> 7) & 31;
      const rs1 = (insn >>> 15) & 31;
      const op = f3 & 3;
      const src = (f3 & 4) !== 0 ? rs1 : hart.x[rs1];
      const old = csr[CSR.vsatp];
      if (op === 1 || rs1 !== 0) {
        const v = op === 1 ? src : op === 2 ? old | src : old & ~src;
        csr[CSR.vsatp] = v;
        vm.strategy.rootChanged(v);
        hart.contextChanged();
      }
      setRd(hv, rd, old);
      retireAndResume(hv, e);
      return 'satp';
    }
    if (insn === SRET) return sret(hv, e);
  }
  inject(hv, e, EXC_ILLEGAL, insn);
  return 'illegal-injected';
}

/** SRET in VS with hstatus.VTSR (forwardSyscalls): the return to the guest's user mode goes through the hypervisor. */
function sret(hv: Hypervisor, e: ExitInfo): string {
  const { to, target } = emulateGuestSret(hv, e);
  const csr = hv.hart.csr;
  if (to === 1) csr[CSR.mstatus] |= MSTATUS_SPP;
  else csr[CSR.mstatus] &= ~MSTATUS_SPP;
  csr[CSR.hstatus] |= HSTATUS_SPV;
  resume(hv, target);
  return 'sret';
}
