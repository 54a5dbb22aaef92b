#include "pt-write.h"
#include "console.h"
#include "riscv.h"
#include "sbi-call.h"

#define PV_BATCH_PAIRS 512 // one page of (address, value) pairs

static int pv;
static uint32_t pv_batch[2 * PV_BATCH_PAIRS] __attribute__((aligned(PAGE_SIZE)));
static uint32_t pv_pending;
static uint32_t active_root;
static uint32_t stat_writes, stat_updates, stat_root_switches, stat_fences;

void pt_init(int want_pv) {
  if (!want_pv) {
    kprintf("kernel: page tables: plain stores\n");
    return;
  }
  if (!sbi_probe(SBI_EXT_HVRR_PV)) {
    kprintf("kernel: pv=1 but the SBI has no PV MMU extension (0x%08x): page tables by plain stores\n",
            SBI_EXT_HVRR_PV);
    return;
  }
  struct sbiret v = sbi_call(SBI_EXT_HVRR_PV, SBI_PV_VERSION, 0, 0, 0);
  pv = 1;
  kprintf("kernel: page tables: PV MMU hypercalls (extension version %u), batches of %u\n", v.value,
          PV_BATCH_PAIRS);
}

int pt_using_pv(void) { return pv; }

void pt_commit(void) {
  if (!pv || pv_pending == 0) return;
  // The kernel maps RAM one to one, so the batch's address is its guest-physical address.
  struct sbiret r = sbi_call(SBI_EXT_HVRR_PV, SBI_PV_MMU_UPDATE, (uint32_t)pv_batch, pv_pending, 0);
  stat_updates++;
  if (r.error != SBI_SUCCESS || r.value != pv_pending) {
    uint32_t bad = r.value < pv_pending ? r.value : 0;
    panic("PV mmu_update applied %u of %u: error %d at PTE 0x%08x value 0x%08x", r.value, pv_pending,
          r.error, pv_batch[2 * bad], pv_batch[2 * bad + 1]);
  }
  pv_pending = 0;
}

void pt_write(uint32_t *pte, uint32_t value) {
  stat_writes++;
  if (!pv) {
    *(volatile uint32_t *)pte = value;
    return;
  }
  pv_batch[2 * pv_pending] = (uint32_t)pte;
  pv_batch[2 * pv_pending + 1] = value;
  if (++pv_pending == PV_BATCH_PAIRS) pt_commit();
}

void pt_switch_root(uint32_t root_pa) {
  pt_commit();
  uint32_t satp = SATP_SV32 | (root_pa >> PAGE_SHIFT); // ASID 0: every switch flushes
  stat_root_switches++;
  if (pv) {
    sbi_call(SBI_EXT_HVRR_PV, SBI_PV_SET_ROOT, satp, 0, 0);
    sbi_call(SBI_EXT_HVRR_PV, SBI_PV_FLUSH, 0, 0, 1);
  } else {
    csr_write(satp, satp);
    __asm__ volatile("sfence.vma zero, zero" ::: "memory");
  }
  active_root = root_pa;
}

uint32_t pt_active_root(void) { return active_root; }

void pt_fence(void) {
  pt_commit();
  stat_fences++;
  if (pv) sbi_call(SBI_EXT_HVRR_PV, SBI_PV_FLUSH, 0, 0, 1);
  else __asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

void pt_print_stats(void) {
  if (pv) {
    kprintf("kernel: %u PTE writes in %u mmu_update calls, %u root switches, %u flushes\n", stat_writes,
            stat_updates, stat_root_switches, stat_fences);
  } else {
    kprintf("kernel: %u PTE writes by plain stores, %u root switches, %u flushes\n", stat_writes,
            stat_root_switches, stat_fences);
  }
}
