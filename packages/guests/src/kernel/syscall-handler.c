#include "syscall-handler.h"
#include "console.h"
#include "exec.h"
#include "layout.h"
#include "lib.h"
#include "page-alloc.h"
#include "proc.h"
#include "pt-write.h"
#include "riscv.h"
#include "syscall.h"
#include "timer.h"
#include "vm.h"

// Console data passes through here: DBCN wants a physical address, and user
// pages are not contiguous in physical memory.
static char io_buffer[512];

static int32_t sys_write(uint32_t fd, uint32_t buf, uint32_t len) {
  if (fd != 1 && fd != 2) return -1;
  uint32_t done = 0;
  while (done < len) {
    uint32_t chunk = len - done < sizeof io_buffer ? len - done : sizeof io_buffer;
    if (copy_from_user(current->root, io_buffer, buf + done, chunk) < 0) return done ? (int32_t)done : -1;
    console_write(io_buffer, chunk);
    done += chunk;
  }
  return (int32_t)done;
}

// Blocks until at least one byte is there, polling once per tick.
static int32_t sys_read(uint32_t fd, uint32_t buf, uint32_t len) {
  if (fd != 0) return -1;
  if (len == 0) return 0;
  if (len > sizeof io_buffer) len = sizeof io_buffer;
  for (;;) {
    uint32_t n = console_read(io_buffer, len);
    if (n > 0) return copy_to_user(current->root, buf, io_buffer, n) < 0 ? -1 : (int32_t)n;
    proc_sleep_until(timer_after_ms(1));
  }
}

// Moves the break to addr, mapping or unmapping whole pages; returns the break
// after the call, which is the old one when addr is unacceptable or memory runs out.
static uint32_t sys_brk(uint32_t addr) {
  struct proc *p = current;
  if (addr < p->heap_start || addr > USER_HEAP_LIMIT) return p->brk;
  uint32_t old_top = PAGE_ROUND_UP(p->brk), new_top = PAGE_ROUND_UP(addr);
  for (uint32_t va = old_top; va < new_top; va += PAGE_SIZE) {
    uint32_t pa = page_alloc();
    if (!pa || vm_map(p->root, va, pa, PTE_U | PTE_R | PTE_W) < 0) {
      if (pa) page_free(pa);
      pt_commit();
      for (uint32_t undo = old_top; undo < va; undo += PAGE_SIZE) page_free(vm_unmap(p->root, undo));
      pt_fence();
      return p->brk;
    }
  }
  pt_commit(); // shrinking reads the PTEs back
  for (uint32_t va = new_top; va < old_top; va += PAGE_SIZE) {
    uint32_t pa = vm_unmap(p->root, va);
    if (pa) page_free(pa);
  }
  if (new_top != old_top) pt_fence();
  p->brk = addr;
  return p->brk;
}

static int32_t sys_sbrk(int32_t increment) {
  uint32_t old = current->brk;
  uint32_t want = old + (uint32_t)increment;
  if ((increment > 0 && want < old) || (increment < 0 && want > old)) return -1;
  return sys_brk(want) == want ? (int32_t)old : -1;
}

static char exec_name[32];
static char exec_strings[EXEC_MAX_ARG_BYTES];
static const char *exec_argv[EXEC_MAX_ARGS + 1];

static int32_t sys_exec(uint32_t name_uva, uint32_t argv_uva) {
  uint32_t root = current->root;
  if (copy_string_from_user(root, exec_name, name_uva, sizeof exec_name) < 0) return -1;
  int argc = 0;
  uint32_t used = 0;
  for (; argv_uva; argc++) {
    uint32_t arg;
    if (argc == EXEC_MAX_ARGS || copy_from_user(root, &arg, argv_uva + 4 * (uint32_t)argc, 4) < 0) return -1;
    if (!arg) break;
    int len = copy_string_from_user(root, exec_strings + used, arg, sizeof exec_strings - used);
    if (len < 0) return -1;
    exec_argv[argc] = exec_strings + used;
    used += (uint32_t)len + 1;
  }
  exec_argv[argc] = 0;
  return exec_into(current, exec_name, argc, exec_argv);
}

void syscall_dispatch(struct trap_frame *f) {
  uint32_t a0 = f->x[REG_A0], a1 = f->x[REG_A1], a2 = f->x[REG_A2];
  int32_t r = -1;
  switch (f->x[REG_A7]) {
  case SYS_EXIT: proc_exit((int32_t)a0);
  case SYS_WRITE: r = sys_write(a0, a1, a2); break;
  case SYS_READ: r = sys_read(a0, a1, a2); break;
  case SYS_GETPID: r = current->pid; break;
  case SYS_BRK: r = (int32_t)sys_brk(a0); break;
  case SYS_SBRK: r = sys_sbrk((int32_t)a0); break;
  case SYS_FORK: r = proc_fork(); break;
  case SYS_WAIT: r = proc_wait(a0); break;
  case SYS_EXEC:
    if (sys_exec(a0, a1) == 0) return; // the frame now starts the new program
    break;
  case SYS_YIELD: proc_yield(); r = 0; break;
  case SYS_SLEEP: proc_sleep_until(timer_after_ms(a0)); r = 0; break;
  case SYS_CLOCK: {
    uint64_t us = timer_to_us(timer_now());
    f->x[REG_A1] = (uint32_t)(us >> 32);
    r = (int32_t)(uint32_t)us;
    break;
  }
  default: break;
  }
  f->x[REG_A0] = (uint32_t)r;
}
