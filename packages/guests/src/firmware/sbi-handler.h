// The SBI calls the firmware serves.
#pragma once
#include "trap-frame.h"

struct sbi_result {
  int32_t error;
  uint32_t value;
};

void sbi_handle(struct trap_frame *frame);
void system_power_off(uint32_t failure_code) __attribute__((noreturn));
