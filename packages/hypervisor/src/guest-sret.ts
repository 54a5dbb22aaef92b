// vsstatus has sstatus's layout.
import { CSR, MSTATUS_SIE as VSSTATUS_SIE, MSTATUS_SPIE as VSSTATUS_SPIE, MSTATUS_SPP as VSSTATUS_SPP } from '@hvrr/cpu';
import type { ExitInfo } from './exit-handlers.js';
import type { Hypervisor } from './hypervisor.js';

/**
 * The guest-visible half of an SRET the hypervisor emulates for a guest kernel (nested
 * with VTSR, shadow, pv): pops the virtual sstatus (vsstatus: SIE = SPIE, SPIE = 1,
 * SPP = 0), emits the `xret` event at the SRET's own count, and retires the SRET once.
 * Returns the guest mode it returns to and the pc (vsepc); the caller switches the
 * hart's mode its own way and resumes there.
 */
export function emulateGuestSret(hv: Hypervisor, e: ExitInfo): { to: 0 | 1; target: number } {
  const hart = hv.hart;
  const csr = hart.csr;
  const vs = csr[CSR.vsstatus];
  const to = (vs & VSSTATUS_SPP) !== 0 ? 1 : 0;
  let next = vs & ~(VSSTATUS_SPP | VSSTATUS_SIE);
  if ((vs & VSSTATUS_SPIE) !== 0) next |= VSSTATUS_SIE;
  next |= VSSTATUS_SPIE;
  csr[CSR.vsstatus] = next;
  const target = csr[CSR.vsepc] & ~3;
  // Keyed like the exit, at the SRET's own count (before it retires).
  if (hv.wantsEvents) hv.emit({ type: 'xret', icount: hart.icount, epc: e.epc, pc: target, from: 1, to });
  hart.retireEmulated();
  return { to, target };
}
