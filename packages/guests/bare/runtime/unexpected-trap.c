#include "console.h"
#include "finisher.h"

#define UNEXPECTED_TRAP_CODE 99

/* Called from unexpected_trap_entry in crt0.S. */
__attribute__((noreturn)) void unexpected_trap(unsigned mcause, unsigned mepc, unsigned mtval) {
  console_printf("unexpected trap: mcause=%08x mepc=%08x mtval=%08x\n", mcause, mepc, mtval);
  finish(UNEXPECTED_TRAP_CODE);
}
