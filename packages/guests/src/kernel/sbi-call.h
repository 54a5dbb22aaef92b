// Calls from the kernel down to the SBI implementation (firmware or hypervisor).
#pragma once
#include <stdint.h>
#include "sbi.h"

struct sbiret {
  int32_t error;
  uint32_t value;
};

static inline struct sbiret sbi_call(uint32_t eid, uint32_t fid, uint32_t arg0, uint32_t arg1,
                                     uint32_t arg2) {
  register uint32_t a0 __asm__("a0") = arg0;
  register uint32_t a1 __asm__("a1") = arg1;
  register uint32_t a2 __asm__("a2") = arg2;
  register uint32_t a6 __asm__("a6") = fid;
  register uint32_t a7 __asm__("a7") = eid;
  __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
  return (struct sbiret){(int32_t)a0, a1};
}

static inline int sbi_probe(uint32_t eid) {
  struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid, 0, 0);
  return r.error == SBI_SUCCESS && r.value != 0;
}

void sbi_set_timer(uint64_t deadline);
void sbi_shutdown(int failure) __attribute__((noreturn));
