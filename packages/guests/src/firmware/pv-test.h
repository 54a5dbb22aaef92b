// Only in the test firmware (build.mjs --pv-test): hvrr's PV MMU extension served
// in M-mode, so the kernel's pv=1 path can run on QEMU. The committed firmware
// does not have it and answers SBI_ERR_NOT_SUPPORTED like any SBI without it.
#pragma once
#include <stdint.h>
#include "sbi-handler.h"

#ifdef FIRMWARE_PV_TEST
#define PV_TEST_AVAILABLE 1
struct sbi_result pv_test_call(uint32_t fid, uint32_t a0, uint32_t a1, uint32_t a2);
#else
#define PV_TEST_AVAILABLE 0
#endif
