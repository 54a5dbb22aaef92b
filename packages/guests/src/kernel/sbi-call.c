#include "sbi-call.h"

static int use_legacy_timer = -1;

void sbi_set_timer(uint64_t deadline) {
  if (use_legacy_timer < 0) use_legacy_timer = !sbi_probe(SBI_EXT_TIME);
  if (use_legacy_timer) {
    // Legacy set_timer (EID 0x00) for an SBI without the TIME extension.
    sbi_call(0x00, 0, (uint32_t)deadline, (uint32_t)(deadline >> 32), 0);
  } else {
    sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, (uint32_t)deadline, (uint32_t)(deadline >> 32), 0);
  }
}

void sbi_shutdown(int failure) {
  sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, SBI_SRST_TYPE_SHUTDOWN,
           failure ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE, 0);
  for (;;) __asm__ volatile("wfi"); // no SRST: nothing more to do
}
