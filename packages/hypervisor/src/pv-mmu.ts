import { CSR } from '@hvrr/cpu';
import { SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED, SBI_SUCCESS } from '@hvrr/machine';
import type { Hypervisor } from './hypervisor.js';
import type { PvStrategy } from './pv-strategy.js';
import type { Vm } from './vm.js';

/** The PV MMU extension's version (DESIGN.md, docs/pv-mmu.md). */
export const PV_MMU_VERSION = 1;
export const PV_FID_VERSION = 0;
export const PV_FID_MMU_UPDATE = 1;
export const PV_FID_SET_ROOT = 2;
export const PV_FID_FLUSH = 3;
/** Most updates one mmu_update takes (a list of 32 KiB). */
export const PV_MAX_BATCH = 4096;

/**
 * hvrr's PV MMU extension to SBI (EID 0x08485652), served for VMs under the `pv`
 * strategy (only they are offered it by probe_extension): batched page-table updates
 * with guest-physical addresses, address-space switch, flush. Each call is one exit.
 * Every update is validated (PvStrategy.validate); the first invalid one stops the
 * batch with SBI_ERR_INVALID_PARAM and a1 = the updates applied before it.
 */
export function pvCall(hv: Hypervisor, vm: Vm, s: PvStrategy, fid: number, a: number[]): { error: number; value: number } {
  const hart = hv.hart;
  vm.countHypercall();
  switch (fid) {
    case PV_FID_VERSION:
      return { error: SBI_SUCCESS, value: PV_MMU_VERSION };
    case PV_FID_MMU_UPDATE: {
      const listGpa = a[0]! >>> 0;
      const count = a[1]! >>> 0;
      if (count > PV_MAX_BATCH) return { error: SBI_ERR_INVALID_PARAM, value: 0 };
      const list = hv.readGuest(vm, listGpa, count * 8);
      if (list === null || listGpa % 4 !== 0) return { error: SBI_ERR_INVALID_PARAM, value: 0 };
      const words = new DataView(list.buffer, list.byteOffset, list.byteLength);
      let applied = 0;
      for (; applied < count; applied++) {
        const pteGpa = words.getUint32(applied * 8, true);
        const value = words.getUint32(applied * 8 + 4, true) | 0;
        if (s.validate(pteGpa, value) !== null) {
          vm.countPteUpdates(applied);
          return { error: SBI_ERR_INVALID_PARAM, value: applied };
        }
        const r = s.applyUpdate(pteGpa, value);
        if (r.isTable) {
          vm.countPtw('hypercall');
          if (hv.wantsEvents) hv.emit({ type: 'ptw', icount: hart.icount, gpa: pteGpa, old: r.old, new: r.new, how: 'hypercall' });
        }
      }
      vm.countPteUpdates(applied);
      return { error: SBI_SUCCESS, value: applied };
    }
    case PV_FID_SET_ROOT: {
      const satp = a[0]!;
      if (satp < 0 && !s.isRam(satp & 0x3fffff)) return { error: SBI_ERR_INVALID_PARAM, value: 0 };
      hart.csr[CSR.vsatp] = satp;
      s.rootChanged(satp);
      hart.contextChanged();
      return { error: SBI_SUCCESS, value: 0 };
    }
    case PV_FID_FLUSH:
      s.flush();
      hart.contextChanged();
      return { error: SBI_SUCCESS, value: 0 };
  }
  return { error: SBI_ERR_NOT_SUPPORTED, value: 0 };
}
