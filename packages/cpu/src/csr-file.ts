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
  PRIV_M,
  PRIV_S,
  PRIV_U,
} from './privilege.js';

/** What a CSR rule may touch on the hart. */
export interface CsrHart {
  readonly csr: Int32Array;
  priv: number;
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
 * read-only from the address) happen in the CSR instruction itself; `access` adds
 * checks specific to one CSR (counter enables, TVM).
 */
export interface CsrRule {
  read(h: CsrHart): number;
  write(h: CsrHart, value: number): void;
  /** Extra access check; false raises illegal instruction. */
  access?(h: CsrHart, write: boolean): boolean;
}

export const MISA_RV32IMASU = (1 << 30) | (1 << 0) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

const MSTATUS_WRITABLE =
  MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR;
const SSTATUS_VISIBLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR;
const SSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR;
/** medeleg: every exception but ecall from M (11) and the reserved codes. */
const MEDELEG_WRITABLE = 0xb3ff & ~(1 << 11);
const MIDELEG_WRITABLE = 0x222;
const MIE_WRITABLE = 0xaaa;
/** mip bits software may write from M-mode; MSIP, MTIP, MEIP come from devices. */
const MIP_WRITABLE = 0x222;
const SIP_WRITABLE = 0x002;

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

/** Counter access from S needs mcounteren; from U it needs scounteren as well. */
function counterAccessible(h: CsrHart, bit: number): boolean {
  if (h.priv === PRIV_M) return true;
  if (((h.csr[CSR.mcounteren] >>> bit) & 1) === 0) return false;
  if (h.priv === PRIV_U && ((h.csr[CSR.scounteren] >>> bit) & 1) === 0) return false;
  return true;
}

function userCounter(bit: number, read: (h: CsrHart) => number): CsrRule {
  return { read, write: () => {}, access: (h) => counterAccessible(h, bit) };
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
  t[CSR.mstatush] = readZero; // MBE/SBE: little-endian only
  t[CSR.misa] = { read: () => MISA_RV32IMASU, write: () => {} };
  t[CSR.medeleg] = plain(CSR.medeleg, MEDELEG_WRITABLE);
  t[CSR.mideleg] = {
    read: (h) => h.csr[CSR.mideleg],
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
    read: (h) => h.csr[CSR.mip],
    write: (h, v) => {
      h.csr[CSR.mip] = (h.csr[CSR.mip] & ~MIP_WRITABLE) | (v & MIP_WRITABLE);
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
  t[CSR.time] = userCounter(1, (h) => h.readTime() % 4294967296 | 0);
  t[CSR.timeh] = userCounter(1, (h) => Math.floor(h.readTime() / 4294967296) | 0);
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
  t[CSR.sie] = {
    read: (h) => h.csr[CSR.mie] & h.csr[CSR.mideleg],
    write: (h, v) => {
      const m = h.csr[CSR.mideleg];
      h.csr[CSR.mie] = (h.csr[CSR.mie] & ~m) | (v & m & MIE_WRITABLE);
      h.interruptsChanged();
    },
  };
  t[CSR.sip] = {
    read: (h) => h.csr[CSR.mip] & h.csr[CSR.mideleg],
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
    access: (h) => !(h.priv === PRIV_S && (h.csr[CSR.mstatus] & MSTATUS_TVM) !== 0),
  };
  return t;
}

/** The lowest privilege that may access a CSR, from its address (bits 9:8). */
export function csrMinPriv(addr: number): number {
  return (addr >>> 8) & 3;
}

export function csrReadOnly(addr: number): boolean {
  return (addr >>> 10) === 3;
}

