import { ACCESS_LOAD, ACCESS_STORE, WALK_ACCESS_FAULT } from '@hvrr/mmu';
import { buildCsrTable, effectiveMip, resolveCsr, type CsrRule } from './csr-file.js';
import { CSR } from './csr-numbers.js';
import type { Hart } from './hart.js';
import { STOP_IDLE } from './stop-reason.js';
import {
  EXC_BREAKPOINT,
  EXC_ECALL_M,
  EXC_ECALL_S,
  EXC_ECALL_U,
  EXC_ECALL_VS,
  EXC_ILLEGAL,
  EXC_LOAD_MISALIGNED,
  EXC_STORE_MISALIGNED,
  EXC_VIRTUAL_INSTRUCTION,
  HSTATUS_HU,
  HSTATUS_SPV,
  HSTATUS_SPVP,
  HSTATUS_VTSR,
  HSTATUS_VTVM,
  HSTATUS_VTW,
  MSTATUSH_MPV,
  MSTATUS_MIE,
  MSTATUS_MPIE,
  MSTATUS_MPP,
  MSTATUS_MPRV,
  MSTATUS_SIE,
  MSTATUS_SPIE,
  MSTATUS_SPP,
  MSTATUS_TSR,
  MSTATUS_TVM,
  MSTATUS_TW,
  PRIV_M,
  PRIV_S,
  PRIV_U,
} from './privilege.js';

/**
 * The SYSTEM instructions (Spike-style: each one its guards, then its operation): CSR
 * accesses, ECALL/EBREAK, xRET, WFI, the fences of the privileged spec and the H
 * extension's HLV/HLVX/HSV. The interpreter calls executeSystem; blocks never
 * translate SYSTEM instructions.
 */

const CSR_TABLE: (CsrRule | undefined)[] = buildCsrTable();

/** Executes a SYSTEM instruction at pc; returns the next pc (meaningless if it raised). */
export function executeSystem(h: Hart, inst: number, pc: number): number {
  const f3 = (inst >> 12) & 7;
  if (f3 === 0) return executePrivileged(h, inst, pc);
  if (f3 === 4) return executeGuestAccess(h, inst, pc);
  const x = h.x;
  const addr = inst >>> 20;
  const rd = (inst >> 7) & 31;
  const rs1 = (inst >> 15) & 31;
  const op = f3 & 3; // 1 = RW, 2 = RS, 3 = RC
  const writes = op === 1 || rs1 !== 0;
  // With V=1 an S CSR may stand for its VS CSR; a refused access names its exception.
  const target = resolveCsr(CSR_TABLE, h, addr, writes);
  if (target < 0) {
    h.raise(-target, inst);
    return pc;
  }
  const rule = CSR_TABLE[target]!;
  const src = (f3 & 4) !== 0 ? rs1 : x[rs1];
  // CSRRW with rd = x0 does not read the CSR (no read side effects).
  const old = op === 1 && rd === 0 ? 0 : rule.read(h);
  if (writes) rule.write(h, op === 1 ? src : op === 2 ? old | src : old & ~src);
  x[rd] = old;
  return (pc + 4) | 0;
}

function executePrivileged(h: Hart, inst: number, pc: number): number {
  const csr = h.csr;
  const priv = h.priv;
  const virt = h.virt;
  const mstatus = csr[CSR.mstatus];
  const hstatus = csr[CSR.hstatus];
  switch (inst) {
    case 0x00000073: // ECALL: from U/VU 8, HS 9, VS 10, M 11
      h.raise(priv === PRIV_U ? EXC_ECALL_U : priv === PRIV_M ? EXC_ECALL_M : virt === 1 ? EXC_ECALL_VS : EXC_ECALL_S, 0);
      return pc;
    case 0x00100073: // EBREAK: the spec allows tval = 0 or the pc; QEMU 7.2 writes 0.
      h.raise(EXC_BREAKPOINT, 0);
      return pc;
    case 0x30200073: {
      // MRET: back to MPP, and to V = MPV unless MPP is M.
      if (priv !== PRIV_M) break;
      const mpp = (mstatus & MSTATUS_MPP) >>> 11;
      let s = mstatus & ~(MSTATUS_MIE | MSTATUS_MPP);
      if ((mstatus & MSTATUS_MPIE) !== 0) s |= MSTATUS_MIE;
      s |= MSTATUS_MPIE;
      if (mpp !== PRIV_M) s &= ~MSTATUS_MPRV;
      csr[CSR.mstatus] = s;
      const mstatush = csr[CSR.mstatush];
      csr[CSR.mstatush] = mstatush & ~MSTATUSH_MPV;
      h.priv = mpp;
      h.virt = mpp !== PRIV_M && (mstatush & MSTATUSH_MPV) !== 0 ? 1 : 0;
      h.contextChanged();
      return csr[CSR.mepc] & ~3;
    }
    case 0x10200073: {
      // SRET
      if (virt === 1) {
        // In VS-mode it returns through vsstatus/vsepc; VU and hstatus.VTSR forbid it.
        if (priv === PRIV_U || (hstatus & HSTATUS_VTSR) !== 0) return virtualInstruction(h, inst, pc);
        const vs = csr[CSR.vsstatus];
        let s = vs & ~(MSTATUS_SIE | MSTATUS_SPP);
        if ((vs & MSTATUS_SPIE) !== 0) s |= MSTATUS_SIE;
        s |= MSTATUS_SPIE;
        csr[CSR.vsstatus] = s;
        h.priv = (vs & MSTATUS_SPP) !== 0 ? PRIV_S : PRIV_U;
        h.contextChanged();
        return csr[CSR.vsepc] & ~3;
      }
      if (priv === PRIV_U || (priv === PRIV_S && (mstatus & MSTATUS_TSR) !== 0)) break;
      return returnFromHS(h);
    }
    case 0x10500073: {
      // WFI: TW=1 traps below M; U traps at once; VU, and VS with VTW, are virtual.
      if (priv !== PRIV_M && (mstatus & MSTATUS_TW) !== 0) break;
      if (virt === 0 && priv === PRIV_U) break;
      if (virt === 1 && (priv === PRIV_U || (hstatus & HSTATUS_VTW) !== 0)) return virtualInstruction(h, inst, pc);
      h.sliceBreak = true;
      // The spec requires waking for pending interrupts enabled in mie and allows
      // waking at any time; hvrr wakes on any pending interrupt, masked or not
      // (the ISA tests' wfi case relies on that).
      if (effectiveMip(csr) === 0) {
        // Retire first: the wait happens after the instruction, so time skipped is
        // measured from the next instruction's count.
        h.icount++;
        const woke = h.host.idle(h);
        h.icount--;
        if (!woke) h.stopReason = STOP_IDLE;
      }
      return (pc + 4) | 0;
    }
    default:
      // SFENCE.VMA rs1, rs2
      if ((inst & 0xfe007fff) === 0x12000073) {
        if (virt === 1) {
          if (priv === PRIV_U || (hstatus & HSTATUS_VTVM) !== 0) return virtualInstruction(h, inst, pc);
        } else if (priv === PRIV_U || (priv === PRIV_S && (mstatus & MSTATUS_TVM) !== 0)) break;
        // Always a full flush: the TLBs hold superpages as 4 KiB pieces, so flushing
        // one address could leave other pieces of the same changed leaf behind.
        h.contextChanged();
        return (pc + 4) | 0;
      }
      // HFENCE.VVMA (funct7 0x11) and HFENCE.GVMA (0x31): HS or M only; GVMA obeys TVM.
      // The TLBs cache va -> machine pa for the current context only: flush them all.
      if ((inst & 0xfe007fff) === 0x22000073 || (inst & 0xfe007fff) === 0x62000073) {
        if (virt === 1) return virtualInstruction(h, inst, pc);
        if (priv === PRIV_U) break;
        if (inst >>> 25 === 0x31 && priv === PRIV_S && (mstatus & MSTATUS_TVM) !== 0) break;
        h.contextChanged();
        return (pc + 4) | 0;
      }
  }
  h.raise(EXC_ILLEGAL, inst);
  return pc;
}

function virtualInstruction(h: Hart, inst: number, pc: number): number {
  h.raise(EXC_VIRTUAL_INSTRUCTION, inst);
  return pc;
}

/**
 * SRET with V=0 (from HS or M): back to the mode sstatus.SPP and hstatus.SPV name,
 * SIE = SPIE, SPIE = 1, SPP = 0, SPV = 0; returns sepc.
 */
export function returnFromHS(h: Hart): number {
  const csr = h.csr;
  const mstatus = csr[CSR.mstatus];
  const hstatus = csr[CSR.hstatus];
  let s = mstatus & ~(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV);
  if ((mstatus & MSTATUS_SPIE) !== 0) s |= MSTATUS_SIE;
  s |= MSTATUS_SPIE;
  csr[CSR.mstatus] = s;
  csr[CSR.hstatus] = hstatus & ~HSTATUS_SPV;
  h.priv = (mstatus & MSTATUS_SPP) !== 0 ? PRIV_S : PRIV_U;
  h.virt = (hstatus & HSTATUS_SPV) !== 0 ? 1 : 0;
  h.contextChanged();
  return csr[CSR.sepc] & ~3;
}

/**
 * HLV, HLVX and HSV (the H chapter's virtual-machine loads and stores): an explicit
 * access as though V=1 at privilege hstatus.SPVP, through both translation stages,
 * from HS or M (or U with hstatus.HU). Misaligned addresses raise the misaligned
 * exception. No TLB caches these: they do not run in the current context.
 */
function executeGuestAccess(h: Hart, inst: number, pc: number): number {
  const f7 = inst >>> 25;
  const sel = (inst >> 20) & 31;
  const rd = (inst >> 7) & 31;
  let size: 1 | 2 | 4;
  let store = false;
  let unsigned = false;
  let hlvx = false;
  switch (f7) {
    case 0x30: // HLV.B, HLV.BU
    case 0x32: // HLV.H, HLV.HU, HLVX.HU
    case 0x34: // HLV.W, HLVX.WU
      size = f7 === 0x30 ? 1 : f7 === 0x32 ? 2 : 4;
      if (sel === 1 && size !== 4) unsigned = true;
      else if (sel === 3 && size !== 1) hlvx = unsigned = true;
      else if (sel !== 0) return illegal(h, inst, pc);
      break;
    case 0x31: // HSV.B
    case 0x33: // HSV.H
    case 0x35: // HSV.W
      if (rd !== 0) return illegal(h, inst, pc);
      size = f7 === 0x31 ? 1 : f7 === 0x33 ? 2 : 4;
      store = true;
      break;
    default:
      return illegal(h, inst, pc);
  }
  const hstatus = h.csr[CSR.hstatus];
  if (h.virt === 1) return virtualInstruction(h, inst, pc);
  if (h.priv === PRIV_U && (hstatus & HSTATUS_HU) === 0) return illegal(h, inst, pc);
  const va = h.x[(inst >> 15) & 31];
  const access = store ? ACCESS_STORE : ACCESS_LOAD;
  h.xlateVirt = 1;
  if ((va & (size - 1)) !== 0) {
    h.raise(store ? EXC_STORE_MISALIGNED : EXC_LOAD_MISALIGNED, va);
    h.excGva = true;
    return pc;
  }
  const pa = h.translateGuest(va, access, (hstatus & HSTATUS_SPVP) !== 0 ? PRIV_S : PRIV_U, hlvx);
  if (pa < 0) {
    h.raiseMemFault(pa, access, va);
    return pc;
  }
  const bus = h.bus;
  if (store) {
    const value = h.x[(inst >> 20) & 31];
    h.storePhysical(pa, size, value, va, va, false);
    if (h.excPending) return pc;
    if (h.insnLog !== null) {
      h.lastStoreAddr = va;
      h.lastStoreValue = size === 4 ? value : size === 2 ? value & 0xffff : value & 0xff;
      h.lastStoreSize = size;
    }
    return (pc + 4) | 0;
  }
  bus.fault = false;
  const v = bus.read(pa, size);
  if (bus.fault) {
    h.raiseMemFault(WALK_ACCESS_FAULT, ACCESS_LOAD, va);
    return pc;
  }
  // A device read may raise an interrupt: end the slice, as the loads' slow path does.
  if (bus.ram.offsetOf(pa) < 0) h.sliceBreak = true;
  h.x[rd] = size === 4 ? v | 0 : size === 2 ? (unsigned ? v & 0xffff : (v << 16) >> 16) : unsigned ? v & 0xff : (v << 24) >> 24;
  return (pc + 4) | 0;
}

function illegal(h: Hart, inst: number, pc: number): number {
  h.raise(EXC_ILLEGAL, inst);
  return pc;
}
