#include "pv-test.h"
#include "platform.h"
#include "riscv.h"
#include "sbi-handler.h"
#include "sbi.h"

#ifdef FIRMWARE_PV_TEST
// Accepts a PTE address only in the kernel's RAM: a stand-in for the real
// validation a hypervisor does (shared/DESIGN.md).
static int pte_address_ok(uint32_t pa) { return (pa & 3) == 0 && pa >= KERNEL_ENTRY; }

struct sbi_result pv_test_call(uint32_t fid, uint32_t a0, uint32_t a1, uint32_t a2) {
  switch (fid) {
  case SBI_PV_VERSION: return (struct sbi_result){SBI_SUCCESS, 1};
  case SBI_PV_MMU_UPDATE: {
    const volatile uint32_t *list = (const volatile uint32_t *)a0;
    for (uint32_t i = 0; i < a1; i++) {
      uint32_t pte = list[2 * i], value = list[2 * i + 1];
      if (!pte_address_ok(pte)) return (struct sbi_result){SBI_ERR_INVALID_PARAM, i};
      *(volatile uint32_t *)pte = value;
    }
    return (struct sbi_result){SBI_SUCCESS, a1};
  }
  case SBI_PV_SET_ROOT:
    csr_write(satp, a0);
    return (struct sbi_result){SBI_SUCCESS, 0};
  case SBI_PV_FLUSH:
    (void)a2;
    __asm__ volatile("sfence.vma zero, zero" ::: "memory");
    return (struct sbi_result){SBI_SUCCESS, 0};
  default:
    return (struct sbi_result){SBI_ERR_NOT_SUPPORTED, 0};
  }
}
#endif
