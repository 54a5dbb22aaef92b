// The registers of the interrupted S- or U-mode code, saved by start.S on entry to M-mode.
#pragma once
#include <stdint.h>

struct trap_frame {
  uint32_t x[32]; // x[0] unused; x[2] is the interrupted sp
};
#define REG_A0 10
#define REG_A1 11
#define REG_A6 16
#define REG_A7 17

void firmware_trap(struct trap_frame *frame);
void firmware_main(uint32_t hartid, uint32_t dtb);
void enter_supervisor(uint32_t hartid, uint32_t dtb, uint32_t entry) __attribute__((noreturn));
