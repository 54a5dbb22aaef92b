// Traps into the kernel: the saved registers and the handler.
#pragma once
#include <stdint.h>

// Laid out as trap-entry.S saves it; it sits at the top of the process's kernel stack.
struct trap_frame {
  uint32_t x[32]; // x[0] unused
  uint32_t sepc, sstatus, scause, stval;
};
#define TRAP_FRAME_SIZE 144
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "trap-entry.S layout");

enum { REG_RA = 1, REG_SP = 2, REG_A0 = 10, REG_A1 = 11, REG_A2 = 12, REG_A7 = 17 };

void trap_init(void);
void trap_handler(struct trap_frame *frame);
// Restores frame and returns from the trap (trap-entry.S).
void trap_return(struct trap_frame *frame) __attribute__((noreturn));
// Where a new process starts: its context's sp points at its trap frame (trap-entry.S).
void process_first_return(void);
