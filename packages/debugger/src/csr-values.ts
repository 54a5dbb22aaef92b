/**
 * CSR values as the guest would read them, computed from the hart's state without
 * executing anything: most CSRs are their storage in `hart.csr`; the supervisor views
 * (sstatus, sie, sip) are masks of the machine registers, and the counters come from
 * the retired-instruction count, as the privileged spec defines them for hvrr's hart.
 */
import { CSR, csrName, MISA_RV32IMASU, MSTATUS_MXR, MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP, MSTATUS_SUM, MSTATUS_UBE } from '@hvrr/cpu';
import type { HartView } from './engine.js';

// The sstatus fields hvrr's hart implements (it has no F, so no FS/SD).
const SSTATUS_VISIBLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR;

/** The CSRs the debugger shows, in display order: supervisor, machine, counters. */
export const SHOWN_CSRS: readonly string[] = [
  'sstatus', 'sie', 'stvec', 'scounteren', 'senvcfg', 'sscratch', 'sepc', 'scause', 'stval', 'sip', 'satp',
  'mstatus', 'misa', 'medeleg', 'mideleg', 'mie', 'mtvec', 'mcounteren', 'menvcfg', 'mcountinhibit',
  'mscratch', 'mepc', 'mcause', 'mtval', 'mip', 'pmpcfg0', 'pmpaddr0',
  'mvendorid', 'marchid', 'mimpid', 'mhartid',
  'mcycle', 'mcycleh', 'minstret', 'minstreth', 'cycle', 'cycleh', 'time', 'timeh', 'instret', 'instreth',
];

/** Hypervisor CSRs, shown when the hart has the H extension (it then has a `virt` field). */
export const HYPERVISOR_CSRS: readonly string[] = [
  'hstatus', 'hedeleg', 'hideleg', 'hie', 'hip', 'hvip', 'hgatp', 'htval', 'htinst', 'hcounteren',
  'vsstatus', 'vsie', 'vstvec', 'vsscratch', 'vsepc', 'vscause', 'vstval', 'vsip', 'vsatp',
];

export function shownCsrNumbers(hart: HartView): number[] {
  const names = 'virt' in hart ? [...SHOWN_CSRS, ...HYPERVISOR_CSRS] : SHOWN_CSRS;
  return names.map((n) => (CSR as Record<string, number>)[n]).filter((n): n is number => n !== undefined);
}

export function readCsr(hart: HartView, num: number): number {
  const i = hart.icount;
  switch (num) {
    case CSR.sstatus:
      return hart.csr[CSR.mstatus]! & SSTATUS_VISIBLE;
    case CSR.sie:
      return hart.csr[CSR.mie]! & hart.csr[CSR.mideleg]!;
    case CSR.sip:
      return hart.csr[CSR.mip]! & hart.csr[CSR.mideleg]!;
    case CSR.misa:
      return MISA_RV32IMASU;
    case CSR.mcycle:
    case CSR.cycle:
      return hart.mcycle.low(i);
    case CSR.mcycleh:
    case CSR.cycleh:
      return hart.mcycle.high(i);
    case CSR.minstret:
    case CSR.instret:
      return hart.minstret.low(i);
    case CSR.minstreth:
    case CSR.instreth:
      return hart.minstret.high(i);
    case CSR.time:
      return hart.readTime() % 4294967296 | 0;
    case CSR.timeh:
      return Math.floor(hart.readTime() / 4294967296) | 0;
    default:
      return hart.csr[num] ?? 0;
  }
}

export function csrLabel(num: number): string {
  return csrName(num) ?? `csr${num.toString(16)}`;
}
