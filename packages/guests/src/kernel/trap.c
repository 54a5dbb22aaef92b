#include "trap.h"
#include "console.h"
#include "lib.h"
#include "proc.h"
#include "riscv.h"
#include "syscall-handler.h"
#include "timer.h"

extern char trap_entry[];

void trap_init(void) {
  csr_write(stvec, (uint32_t)trap_entry); // direct mode
  csr_write(sscratch, 0);                 // 0 = "trap from the kernel" (trap-entry.S)
  // Let programs read time, cycle and instret (the firmware allows it for S and U).
  csr_write(scounteren, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR);
}

static const char *exception_name(uint32_t cause) {
  switch (cause) {
  case EXC_INSN_MISALIGNED: return "misaligned instruction fetch";
  case EXC_INSN_ACCESS: return "instruction access fault";
  case EXC_ILLEGAL_INSN: return "illegal instruction";
  case EXC_BREAKPOINT: return "breakpoint";
  case EXC_LOAD_MISALIGNED: return "misaligned load";
  case EXC_LOAD_ACCESS: return "load access fault";
  case EXC_STORE_MISALIGNED: return "misaligned store";
  case EXC_STORE_ACCESS: return "store access fault";
  case EXC_INSN_PAGE_FAULT: return "instruction page fault";
  case EXC_LOAD_PAGE_FAULT: return "load page fault";
  case EXC_STORE_PAGE_FAULT: return "store page fault";
  default: return "unexpected exception";
  }
}

void trap_handler(struct trap_frame *f) {
  int from_user = !(f->sstatus & STATUS_SPP);
  uint32_t cause = f->scause;
  if (cause == (CAUSE_INTERRUPT | IRQ_S_TIMER)) {
    timer_interrupt();
    // Preempt only user code; the kernel itself is never preempted (it only takes
    // the timer while idle), so kernel data needs no locks on this single hart.
    if (from_user) proc_yield();
  } else if (!from_user) {
    panic("trap in the kernel: scause 0x%08x sepc 0x%08x stval 0x%08x", cause, f->sepc, f->stval);
  } else if (cause == EXC_ECALL_U) {
    f->sepc += 4; // return past the ecall (a forked child copies this too)
    syscall_dispatch(f);
  } else if (cause & CAUSE_INTERRUPT) {
    panic("unexpected interrupt 0x%08x", cause);
  } else {
    // Page faults say where; other causes put implementation-defined values in stval.
    static char why[64];
    if (cause == EXC_INSN_PAGE_FAULT || cause == EXC_LOAD_PAGE_FAULT || cause == EXC_STORE_PAGE_FAULT)
      snprintf(why, sizeof why, "%s at 0x%08x", exception_name(cause), f->stval);
    else
      snprintf(why, sizeof why, "%s", exception_name(cause));
    proc_kill(why, f->sepc);
  }
  if (from_user) proc_check_stack(current);
}
