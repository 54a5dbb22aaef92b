import { CSR } from './csr-numbers.js';
import type { Counter64 } from './counter64.js';
import {
  MSTATUS_MIE,
  MSTATUS_MPIE,
  MSTATUS_MPP,
  MSTATUS_MPRV,
  MSTATUS_MXR,
  MSTATUS_SIE,
  MSTATUS_SPIE,
  MSTATUS_SPP,
  MSTATUS_SUM,
  MSTATUS_TSR,
  MSTATUS_TVM,
  MSTATUS_TW,
  MSTATUS_UBE,
  MSTATUSH_GVA,
  MSTATUSH_MPV,
  HSTATUS_GVA,
  HSTATUS_HU,
  HSTATUS_SPV,
  HSTATUS_SPVP,
  HSTATUS_VTSR,
  HSTATUS_VTVM,
  HSTATUS_VTW,
  EXC_ILLEGAL,
  EXC_VIRTUAL_INSTRUCTION,
  PRIV_M,
  PRIV_S,
  PRIV_U,
  VS_INTERRUPTS,
} from './privilege.js';

/** What a CSR rule may touch on the hart. */
export interface CsrHart {
  readonly csr: Int32Array;
  priv: number;
  /** The virtualization mode V (H extension): 1 in VS/VU-mode. */
  virt: number;
  /** Retired instructions before the instruction now executing. */
  readonly currentIcount: number;
  readonly mcycle: Counter64;
  readonly minstret: Counter64;
  readTime(): number;
  /** Address translation context changed (satp, MPRV, SUM, MXR...): flush the TLBs. */
  contextChanged(): void;
  /** Interrupt enables or pendings may have changed: re-check before the next instruction. */
  interruptsChanged(): void;
}

/**
 * One CSR's rules, Spike-style: how it reads and how a write lands (WARL masks,
 * side effects). Access checks common to all CSRs (privilege from the address,
 * read-only from the address, V=1 redirection: resolveCsr) happen before; `access`
 * adds checks specific to one CSR (counter enables, TVM).
 */
export interface CsrRule {
  read(h: CsrHart): number;
  write(h: CsrHart, value: number): void;
  /** Extra access check: 0 allows, otherwise the exception to raise (illegal or virtual instruction). */
  access?(h: CsrHart, write: boolean): number;
}

/** misa: RV32 with A, I, M, S, U and H (bit 7, the hypervisor extension). */
export const MISA_RV32IMASU = (1 << 30) | (1 << 0) | (1 << 7) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

const MSTATUS_WRITABLE =
  MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR;
const SSTATUS_VISIBLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR;
const SSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR;
/**
 * medeleg: every exception but ecall from M (11) and the reserved codes; with the H
 * extension also ecall from VS (10), guest-page faults (20, 21, 23) and virtual
 * instruction (22).
 */
const MEDELEG_WRITABLE = (0xb7ff & ~(1 << 11)) | (0xf << 20);
const MIDELEG_WRITABLE = 0x222;
/** The S-level interrupts (SSI, STI, SEI): what sip/sie show at HS level. */
const S_INTERRUPTS = 0x222;
/** mie: M- and S-level enables plus the VS-level ones (aliases of hie). SGEIE stays zero: GEILEN = 0. */
const MIE_WRITABLE = 0xaaa | VS_INTERRUPTS;
/** mip bits software may write from M-mode; MSIP, MTIP, MEIP come from devices. */
const MIP_WRITABLE = 0x222;
const SIP_WRITABLE = 0x002;
const IRQ_VSSIP = 1 << 2;

const HSTATUS_WRITABLE = HSTATUS_GVA | HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_HU | HSTATUS_VTVM | HSTATUS_VTW | HSTATUS_VTSR;
/** hedeleg: bits 0-8, 12, 13, 15 writable; ecalls from HS/VS/M and guest faults stay in HS. */
const HEDELEG_WRITABLE = 0x1ff | (1 << 12) | (1 << 13) | (1 << 15);
/** hgatp (RV32): MODE (bit 31), VMID (7 bits, 28:22), PPN with PPN[1:0] zero (16 KiB root). */
const HGATP_WRITABLE = 0x80000000 | (0x7f << 22) | 0x3ffffc;

/**
 * mip as the hart sees it: the stored bits (devices and M-mode writes) plus the
 * VS-level interrupts, which pend from hvip (the only source here: GEILEN = 0, no
 * Sstc), so hip, vsip and mip always agree on them.
 */
export function effectiveMip(csr: Int32Array): number {
  return csr[CSR.mip] | (csr[CSR.hvip] & VS_INTERRUPTS);
}

/** mideleg: bits 2, 6 and 10 (VS-level interrupts) read as one. */
export function effectiveMideleg(csr: Int32Array): number {
  return csr[CSR.mideleg] | VS_INTERRUPTS;
}

/** A plain read/write register with a write mask. */
function plain(addr: number, mask = -1): CsrRule {
  return {
    read: (h) => h.csr[addr],
    write: (h, v) => {
      h.csr[addr] = (h.csr[addr] & ~mask) | (v & mask);
    },
  };
}

const readZero: CsrRule = { read: () => 0, write: () => {} };

/** xtvec: MODE 0 (direct) or 1 (vectored); the reserved modes leave the field unchanged. */
function tvec(addr: number): CsrRule {
  return {
    read: (h) => h.csr[addr],
    write: (h, v) => {
      const mode = v & 3;
      h.csr[addr] = mode >= 2 ? (v & ~3) | (h.csr[addr] & 3) : v;
    },
  };
}

/** xepc: IALIGN is 32, so the two low bits are always zero. */
function epc(addr: number): CsrRule {
  return { read: (h) => h.csr[addr] & ~3, write: (h, v) => void (h.csr[addr] = v & ~3) };
}

/**
 * Counter access below M needs mcounteren (else illegal instruction); when V=1 it also
 * needs hcounteren, and in VU scounteren, each missing one a virtual-instruction
 * exception; in U (V=0) it needs scounteren (illegal).
 */
function counterAccess(h: CsrHart, bit: number): number {
  if (h.priv === PRIV_M) return 0;
  if (((h.csr[CSR.mcounteren] >>> bit) & 1) === 0) return EXC_ILLEGAL;
  const sMissing = h.priv === PRIV_U && ((h.csr[CSR.scounteren] >>> bit) & 1) === 0;
  if (h.virt === 1) return ((h.csr[CSR.hcounteren] >>> bit) & 1) === 0 || sMissing ? EXC_VIRTUAL_INSTRUCTION : 0;
  return sMissing ? EXC_ILLEGAL : 0;
}

function userCounter(bit: number, read: (h: CsrHart) => number): CsrRule {
  return { read, write: () => {}, access: (h) => counterAccess(h, bit) };
}

const TWO_32 = 4294967296;

/** The time CSR's 64-bit value split in halves; with V=1 it is time + htimedelta (mod 2^64). */
function timeHalf(h: CsrHart, high: boolean): number {
  const t = h.readTime();
  let lo = t % TWO_32;
  let hi = Math.floor(t / TWO_32);
  if (h.virt === 1) {
    lo += h.csr[CSR.htimedelta] >>> 0;
    hi += h.csr[CSR.htimedeltah] + (lo >= TWO_32 ? 1 : 0);
    lo %= TWO_32;
  }
  return high ? hi | 0 : lo | 0;
}

/** S CSRs that VS CSRs stand in for when V=1 (sstatus → vsstatus, ...): address + 0x100. */
const VS_REDIRECT = new Int16Array(4096);
for (const a of [CSR.sstatus, CSR.sie, CSR.stvec, CSR.sscratch, CSR.sepc, CSR.scause, CSR.stval, CSR.sip, CSR.satp]) VS_REDIRECT[a] = a + 0x100;

/**
 * The access checks of a CSR instruction (privileged spec 2.1 and the H chapter's
 * "virtual instruction" list). Returns the address of the CSR the access really
 * reaches (a VS CSR for an S CSR when V=1), or minus the exception to raise:
 * -EXC_ILLEGAL, or -EXC_VIRTUAL_INSTRUCTION for an access HS-mode could make but V=1
 * forbids.
 */
export function resolveCsr(table: (CsrRule | undefined)[], h: CsrHart, addr: number, writes: boolean): number {
  if (table[addr] === undefined || (writes && csrReadOnly(addr))) return -EXC_ILLEGAL;
  const level = csrMinPriv(addr);
  let target = addr;
  if (h.virt === 0) {
    // Hypervisor and VS CSRs (level 2) belong to HS-mode.
    if (h.priv < (level === 2 ? PRIV_S : level)) return -EXC_ILLEGAL;
  } else {
    if (level === 3) return -EXC_ILLEGAL;
    if (level === 2 || (level === 1 && h.priv === PRIV_U)) return -EXC_VIRTUAL_INSTRUCTION;
    if (level === 1) {
      if (addr === CSR.satp && (h.csr[CSR.hstatus] & HSTATUS_VTVM) !== 0) return -EXC_VIRTUAL_INSTRUCTION;
      const vs = VS_REDIRECT[addr];
      if (vs !== 0) target = vs;
    }
  }
  const access = table[target]!.access;
  if (access !== undefined) {
    const cause = access(h, writes);
    if (cause !== 0) return -cause;
  }
  return target;
}

export function buildCsrTable(): (CsrRule | undefined)[] {
  const t: (CsrRule | undefined)[] = new Array(4096).fill(undefined);

  // --- Machine information (read-only by address)
  t[CSR.mvendorid] = readZero;
  t[CSR.marchid] = readZero;
  t[CSR.mimpid] = readZero;
  t[CSR.mhartid] = { read: (h) => h.csr[CSR.mhartid], write: () => {} };
  t[CSR.mconfigptr] = readZero;

  // --- Trap setup and handling
  t[CSR.mstatus] = {
    read: (h) => h.csr[CSR.mstatus],
    write: (h, v) => {
      const old = h.csr[CSR.mstatus];
      let next = (old & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
      // MPP is WARL over {U, S, M}: the reserved value 2 keeps the old field.
      if ((next & MSTATUS_MPP) === 2 << 11) next = (next & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
      h.csr[CSR.mstatus] = next;
      if ((old ^ next) & (MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MPP)) h.contextChanged();
      h.interruptsChanged();
    },
  };
  // mstatush: MPV and GVA of the H extension; MBE/SBE stay zero (little-endian only).
  t[CSR.mstatush] = {
    read: (h) => h.csr[CSR.mstatush],
    write: (h, v) => {
      const old = h.csr[CSR.mstatush];
      const next = v & (MSTATUSH_GVA | MSTATUSH_MPV);
      h.csr[CSR.mstatush] = next;
      // MPV decides how MPRV accesses translate.
      if ((old ^ next) & MSTATUSH_MPV) h.contextChanged();
    },
  };
  t[CSR.misa] = { read: () => MISA_RV32IMASU, write: () => {} };
  t[CSR.medeleg] = plain(CSR.medeleg, MEDELEG_WRITABLE);
  t[CSR.mideleg] = {
    read: (h) => effectiveMideleg(h.csr),
    write: (h, v) => {
      h.csr[CSR.mideleg] = v & MIDELEG_WRITABLE;
      h.interruptsChanged();
    },
  };
  t[CSR.mie] = {
    read: (h) => h.csr[CSR.mie],
    write: (h, v) => {
      h.csr[CSR.mie] = v & MIE_WRITABLE;
      h.interruptsChanged();
    },
  };
  t[CSR.mip] = {
    read: (h) => effectiveMip(h.csr),
    write: (h, v) => {
      h.csr[CSR.mip] = (h.csr[CSR.mip] & ~MIP_WRITABLE) | (v & MIP_WRITABLE);
      // mip.VSSIP aliases hvip.VSSIP; VSTIP and VSEIP are read-only here.
      h.csr[CSR.hvip] = (h.csr[CSR.hvip] & ~IRQ_VSSIP) | (v & IRQ_VSSIP);
      h.interruptsChanged();
    },
  };
  t[CSR.mtvec] = tvec(CSR.mtvec);
  t[CSR.mcounteren] = plain(CSR.mcounteren);
  t[CSR.menvcfg] = plain(CSR.menvcfg, 1); // FIOM only
  t[CSR.menvcfgh] = readZero;
  t[CSR.mcountinhibit] = {
    read: (h) => h.csr[CSR.mcountinhibit],
    write: (h, v) => {
      v &= ~2; // TM is read-only zero
      h.csr[CSR.mcountinhibit] = v;
      h.mcycle.setInhibited(h.currentIcount, (v & 1) !== 0);
      h.minstret.setInhibited(h.currentIcount, (v & 4) !== 0);
    },
  };
  t[CSR.mscratch] = plain(CSR.mscratch);
  t[CSR.mepc] = epc(CSR.mepc);
  t[CSR.mcause] = plain(CSR.mcause);
  t[CSR.mtval] = plain(CSR.mtval);
  t[CSR.mtval2] = plain(CSR.mtval2);
  t[CSR.mtinst] = plain(CSR.mtinst);

  // --- Physical memory protection: present and WARL; every access is allowed.
  for (let i = 0; i <= 15; i++) {
    const addr = CSR.pmpcfg0 + i;
    t[addr] = {
      read: (h) => h.csr[addr],
      write: (h, v) => {
        // Per entry byte: bits 5–6 are reserved zero; a locked entry ignores writes.
        const old = h.csr[addr];
        let next = 0;
        for (let b = 0; b < 32; b += 8) {
          const o = (old >>> b) & 0xff;
          const n = (v >>> b) & 0x9f;
          next |= ((o & 0x80) !== 0 ? o : n) << b;
        }
        h.csr[addr] = next;
      },
    };
  }
  for (let i = 0; i <= 63; i++) t[CSR.pmpaddr0 + i] = plain(CSR.pmpaddr0 + i);

  // --- Triggers: the registers exist; no trigger is implemented (tdata1 type 0).
  t[CSR.tselect] = readZero;
  t[CSR.tdata1] = readZero;
  t[CSR.tdata2] = readZero;
  t[CSR.tdata3] = readZero;
  t[CSR.tinfo] = { read: () => 1, write: () => {} };

  // --- Counters
  t[CSR.mcycle] = { read: (h) => h.mcycle.low(h.currentIcount), write: (h, v) => h.mcycle.setLow(h.currentIcount, v) };
  t[CSR.mcycleh] = { read: (h) => h.mcycle.high(h.currentIcount), write: (h, v) => h.mcycle.setHigh(h.currentIcount, v) };
  t[CSR.minstret] = { read: (h) => h.minstret.low(h.currentIcount), write: (h, v) => h.minstret.setLow(h.currentIcount, v) };
  t[CSR.minstreth] = { read: (h) => h.minstret.high(h.currentIcount), write: (h, v) => h.minstret.setHigh(h.currentIcount, v) };
  for (let i = 3; i <= 31; i++) {
    t[CSR.mhpmcounter3 + i - 3] = readZero;
    t[CSR.mhpmcounter3h + i - 3] = readZero;
    t[CSR.mhpmevent3 + i - 3] = readZero;
    t[CSR.hpmcounter3 + i - 3] = userCounter(i, () => 0);
    t[CSR.hpmcounter3h + i - 3] = userCounter(i, () => 0);
  }
  t[CSR.cycle] = userCounter(0, (h) => h.mcycle.low(h.currentIcount));
  t[CSR.cycleh] = userCounter(0, (h) => h.mcycle.high(h.currentIcount));
  t[CSR.time] = userCounter(1, (h) => timeHalf(h, false));
  t[CSR.timeh] = userCounter(1, (h) => timeHalf(h, true));
  t[CSR.instret] = userCounter(2, (h) => h.minstret.low(h.currentIcount));
  t[CSR.instreth] = userCounter(2, (h) => h.minstret.high(h.currentIcount));

  // --- Supervisor: views of the machine registers
  t[CSR.sstatus] = {
    read: (h) => h.csr[CSR.mstatus] & SSTATUS_VISIBLE,
    write: (h, v) => {
      const old = h.csr[CSR.mstatus];
      h.csr[CSR.mstatus] = (old & ~SSTATUS_WRITABLE) | (v & SSTATUS_WRITABLE);
      if ((old ^ v) & (MSTATUS_SUM | MSTATUS_MXR)) h.contextChanged();
      h.interruptsChanged();
    },
  };
  // sip/sie show the S-level interrupts M delegated; VS-level ones live in hip/hie.
  t[CSR.sie] = {
    read: (h) => h.csr[CSR.mie] & h.csr[CSR.mideleg] & S_INTERRUPTS,
    write: (h, v) => {
      const m = h.csr[CSR.mideleg] & S_INTERRUPTS;
      h.csr[CSR.mie] = (h.csr[CSR.mie] & ~m) | (v & m & MIE_WRITABLE);
      h.interruptsChanged();
    },
  };
  t[CSR.sip] = {
    read: (h) => h.csr[CSR.mip] & h.csr[CSR.mideleg] & S_INTERRUPTS,
    write: (h, v) => {
      const m = h.csr[CSR.mideleg] & SIP_WRITABLE;
      h.csr[CSR.mip] = (h.csr[CSR.mip] & ~m) | (v & m);
      h.interruptsChanged();
    },
  };
  t[CSR.stvec] = tvec(CSR.stvec);
  t[CSR.scounteren] = plain(CSR.scounteren);
  t[CSR.senvcfg] = plain(CSR.senvcfg, 1);
  t[CSR.sscratch] = plain(CSR.sscratch);
  t[CSR.sepc] = epc(CSR.sepc);
  t[CSR.scause] = plain(CSR.scause);
  t[CSR.stval] = plain(CSR.stval);
  t[CSR.satp] = {
    read: (h) => h.csr[CSR.satp],
    write: (h, v) => {
      h.csr[CSR.satp] = v;
      h.contextChanged();
    },
    access: (h) => (h.priv === PRIV_S && (h.csr[CSR.mstatus] & MSTATUS_TVM) !== 0 ? EXC_ILLEGAL : 0),
  };
  addHypervisorCsrs(t);
  return t;
}

/** The H extension's CSRs: the hypervisor's own and the VS CSRs (privileged spec, H chapter). */
function addHypervisorCsrs(t: (CsrRule | undefined)[]): void {
  t[CSR.hstatus] = plain(CSR.hstatus, HSTATUS_WRITABLE);
  t[CSR.hedeleg] = plain(CSR.hedeleg, HEDELEG_WRITABLE);
  t[CSR.hideleg] = {
    read: (h) => h.csr[CSR.hideleg],
    write: (h, v) => {
      h.csr[CSR.hideleg] = v & VS_INTERRUPTS;
      h.interruptsChanged();
    },
  };
  // hie and hip: the VS-level bits of mie and mip (SGEI stays zero: GEILEN = 0).
  t[CSR.hie] = {
    read: (h) => h.csr[CSR.mie] & VS_INTERRUPTS,
    write: (h, v) => {
      h.csr[CSR.mie] = (h.csr[CSR.mie] & ~VS_INTERRUPTS) | (v & VS_INTERRUPTS);
      h.interruptsChanged();
    },
  };
  t[CSR.hip] = {
    read: (h) => effectiveMip(h.csr) & VS_INTERRUPTS,
    write: (h, v) => {
      // Only VSSIP is writable (an alias of hvip.VSSIP).
      h.csr[CSR.hvip] = (h.csr[CSR.hvip] & ~IRQ_VSSIP) | (v & IRQ_VSSIP);
      h.interruptsChanged();
    },
  };
  t[CSR.hvip] = {
    read: (h) => h.csr[CSR.hvip],
    write: (h, v) => {
      h.csr[CSR.hvip] = v & VS_INTERRUPTS;
      h.interruptsChanged();
    },
  };
  t[CSR.hcounteren] = plain(CSR.hcounteren);
  t[CSR.htimedelta] = plain(CSR.htimedelta);
  t[CSR.htimedeltah] = plain(CSR.htimedeltah);
  t[CSR.henvcfg] = plain(CSR.henvcfg, 1); // FIOM only
  t[CSR.henvcfgh] = readZero;
  t[CSR.hgeie] = readZero; // GEILEN = 0
  t[CSR.hgeip] = readZero;
  t[CSR.htval] = plain(CSR.htval);
  t[CSR.htinst] = plain(CSR.htinst);
  t[CSR.hgatp] = {
    read: (h) => h.csr[CSR.hgatp],
    write: (h, v) => {
      h.csr[CSR.hgatp] = v & HGATP_WRITABLE;
      h.contextChanged();
    },
    access: (h) => (h.priv === PRIV_S && (h.csr[CSR.mstatus] & MSTATUS_TVM) !== 0 ? EXC_ILLEGAL : 0),
  };

  t[CSR.vsstatus] = {
    read: (h) => h.csr[CSR.vsstatus],
    write: (h, v) => {
      const old = h.csr[CSR.vsstatus];
      const next = v & SSTATUS_WRITABLE;
      h.csr[CSR.vsstatus] = next;
      if ((old ^ next) & (MSTATUS_SUM | MSTATUS_MXR)) h.contextChanged();
      h.interruptsChanged();
    },
  };
  // vsie/vsip: the VS-level bits hideleg delegates, shifted down one to S-level positions.
  t[CSR.vsie] = {
    read: (h) => (h.csr[CSR.mie] & h.csr[CSR.hideleg] & VS_INTERRUPTS) >>> 1,
    write: (h, v) => {
      const m = h.csr[CSR.hideleg] & VS_INTERRUPTS;
      h.csr[CSR.mie] = (h.csr[CSR.mie] & ~m) | ((v << 1) & m);
      h.interruptsChanged();
    },
  };
  t[CSR.vsip] = {
    read: (h) => (effectiveMip(h.csr) & h.csr[CSR.hideleg] & VS_INTERRUPTS) >>> 1,
    write: (h, v) => {
      const m = h.csr[CSR.hideleg] & IRQ_VSSIP;
      h.csr[CSR.hvip] = (h.csr[CSR.hvip] & ~m) | ((v << 1) & m);
      h.interruptsChanged();
    },
  };
  t[CSR.vstvec] = tvec(CSR.vstvec);
  t[CSR.vsscratch] = plain(CSR.vsscratch);
  t[CSR.vsepc] = epc(CSR.vsepc);
  t[CSR.vscause] = plain(CSR.vscause);
  t[CSR.vstval] = plain(CSR.vstval);
  t[CSR.vsatp] = {
    read: (h) => h.csr[CSR.vsatp],
    write: (h, v) => {
      h.csr[CSR.vsatp] = v;
      h.contextChanged();
    },
  };
}

/** The lowest privilege that may access a CSR, from its address (bits 9:8). */
export function csrMinPriv(addr: number): number {
  return (addr >>> 8) & 3;
}

export function csrReadOnly(addr: number): boolean {
  return (addr >>> 10) === 3;
}

