import type { Hart } from '@hvrr/cpu';
import type { Ram } from '@hvrr/mmu';
import { translateSv32, translateTwoStage } from './sv32-view.js';

const CSR_SATP = 0x180;
const CSR_VSATP = 0x280;
const CSR_HGATP = 0x680;
const CSR_MSTATUS = 0x300;
const MSTATUS_MPRV = 1 << 17;

/** What decides how a data address translates: privilege, V, mstatus and the three table roots. */
export interface TranslationContext {
  priv: number;
  virt: boolean;
  mstatus: number;
  satp: number;
  vsatp: number;
  hgatp: number;
}

export function contextOf(hart: Hart): TranslationContext {
  const v = (hart as unknown as { virt?: number | boolean }).virt;
  const csr = hart.csr;
  return {
    priv: hart.priv,
    virt: v === true || (typeof v === 'number' && v !== 0),
    mstatus: csr[CSR_MSTATUS]!,
    satp: csr[CSR_SATP]!,
    vsatp: csr[CSR_VSATP]!,
    hgatp: csr[CSR_HGATP]!,
  };
}

/**
 * A data address in a context: identity in M-mode (unless MPRV names a lower mode) or
 * with satp Bare; in a VM (V=1), vsatp then hgatp. Permissions are not checked.
 */
export function translateIn(ram: Ram, ctx: TranslationContext, va: number): number | null {
  if (ctx.virt) return translateTwoStage(ram, ctx.vsatp, ctx.hgatp, va >>> 0);
  let priv = ctx.priv;
  if (priv === 3 && (ctx.mstatus & MSTATUS_MPRV) !== 0) priv = (ctx.mstatus >>> 11) & 3;
  if (priv === 3) return va >>> 0;
  return translateSv32(ram, ctx.satp, va >>> 0);
}
