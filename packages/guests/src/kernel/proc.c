#include "proc.h"
#include "console.h"
#include "exec.h"
#include "lib.h"
#include "pt-write.h"
#include "riscv.h"
#include "sbi-call.h"
#include "syscall.h"
#include "timer.h"
#include "vm.h"

#define STACK_CANARY 0x5ca1ab1eu

struct proc *current;
static struct proc procs[NPROC];
static uint8_t kstacks[NPROC][KSTACK_SIZE] __attribute__((aligned(KSTACK_SIZE)));
static struct context scheduler_context;
static struct proc *init_proc;
static int next_pid = 1;

void proc_init(void) {
  for (int i = 0; i < NPROC; i++) procs[i].kstack = kstacks[i];
}

void proc_check_stack(struct proc *p) {
  if (*(uint32_t *)p->kstack != STACK_CANARY) panic("pid %d overflowed its kernel stack", p->pid);
}

struct proc *proc_alloc(void) {
  for (int i = 0; i < NPROC; i++) {
    struct proc *p = &procs[i];
    if (p->state != PROC_UNUSED) continue;
    uint8_t *kstack = p->kstack;
    memset(p, 0, sizeof *p);
    p->kstack = kstack;
    p->state = PROC_NEW;
    *(uint32_t *)kstack = STACK_CANARY;
    p->pid = next_pid++;
    p->frame = (struct trap_frame *)(kstack + KSTACK_SIZE - TRAP_FRAME_SIZE);
    memset(p->frame, 0, TRAP_FRAME_SIZE);
    // The first switch_context into it "returns" to process_first_return, which
    // leaves the kernel through the trap frame.
    p->context.ra = (uint32_t)process_first_return;
    p->context.sp = (uint32_t)p->frame;
    return p;
  }
  return 0;
}

int proc_start_init(const char *name, int argc, const char *const argv[]) {
  struct proc *p = proc_alloc();
  if (!p) return -1;
  if (exec_into(p, name, argc, argv) < 0) {
    p->state = PROC_UNUSED;
    return -1;
  }
  init_proc = p;
  p->state = PROC_RUNNABLE;
  return p->pid;
}

// Back to the scheduler; returns when the scheduler picks this process again.
static void sched(void) {
  proc_check_stack(current);
  switch_context(&current->context, &scheduler_context);
}

void proc_yield(void) {
  current->state = PROC_RUNNABLE;
  sched();
}

void proc_sleep_until(uint64_t deadline) {
  current->wake_at = deadline;
  current->state = PROC_SLEEPING;
  timer_wake_at(deadline);
  sched();
}

void proc_wake_sleepers(uint64_t now) {
  for (int i = 0; i < NPROC; i++) {
    if (procs[i].state == PROC_SLEEPING && procs[i].wake_at <= now) procs[i].state = PROC_RUNNABLE;
  }
}

uint64_t proc_earliest_wake(void) {
  uint64_t earliest = UINT64_MAX;
  for (int i = 0; i < NPROC; i++) {
    if (procs[i].state == PROC_SLEEPING && procs[i].wake_at < earliest) earliest = procs[i].wake_at;
  }
  return earliest;
}

// Nothing to run: wait for an interrupt. WFI resumes on a pending enabled
// interrupt even with sstatus.SIE clear; the interrupt is then taken in the short
// window with SIE set, so none can slip in between the check and the wait.
static void idle(void) {
  int sleepers = 0;
  for (int i = 0; i < NPROC; i++) sleepers += procs[i].state == PROC_SLEEPING;
  if (!sleepers) panic("no process can ever run again");
  __asm__ volatile("wfi");
  csr_set(sstatus, STATUS_SIE);
  csr_clear(sstatus, STATUS_SIE);
}

void scheduler(void) {
  int last = NPROC - 1;
  for (;;) {
    struct proc *next = 0;
    for (int k = 1; k <= NPROC; k++) {
      struct proc *p = &procs[(last + k) % NPROC];
      if (p->state == PROC_RUNNABLE) {
        next = p;
        break;
      }
    }
    if (!next) {
      idle();
      continue;
    }
    last = (int)(next - procs);
    next->state = PROC_RUNNING;
    current = next;
    if (pt_active_root() != next->root) pt_switch_root(next->root);
    switch_context(&scheduler_context, &next->context);
    current = 0;
  }
}

int proc_fork(void) {
  struct proc *parent = current;
  struct proc *child = proc_alloc();
  if (!child) return -1;
  child->root = vm_create();
  if (!child->root || vm_copy(child->root, parent->root) < 0) {
    if (child->root) vm_free(child->root);
    child->state = PROC_UNUSED;
    return -1;
  }
  *child->frame = *parent->frame;
  child->frame->x[REG_A0] = 0; // fork returns 0 in the child
  child->parent = parent;
  child->heap_start = parent->heap_start;
  child->brk = parent->brk;
  memcpy(child->name, parent->name, sizeof child->name);
  child->state = PROC_RUNNABLE;
  return child->pid;
}

int proc_wait(uint32_t status_uva) {
  for (;;) {
    int children = 0;
    for (int i = 0; i < NPROC; i++) {
      struct proc *c = &procs[i];
      if (c->parent != current || c->state == PROC_UNUSED) continue;
      children++;
      if (c->state != PROC_ZOMBIE) continue;
      if (status_uva && copy_to_user(current->root, status_uva, &c->exit_status, 4) < 0) return -1;
      int pid = c->pid;
      c->state = PROC_UNUSED;
      c->parent = 0;
      return pid;
    }
    if (!children) return -1;
    current->state = PROC_WAITING;
    sched();
  }
}

static void shutdown_after_init(int status) {
  kprintf("kernel: init exited with status %d, shutting down\n", status);
  pt_print_stats();
  sbi_shutdown(status != 0);
}

void proc_exit(int status) {
  struct proc *p = current;
  if (p == init_proc) shutdown_after_init(status);
  // Leave the address space before freeing it: the kernel half of kernel_root
  // maps everything the kernel still needs, including this stack.
  pt_switch_root(kernel_root);
  vm_free(p->root);
  p->root = kernel_root;
  for (int i = 0; i < NPROC; i++) {
    if (procs[i].parent != p) continue;
    procs[i].parent = init_proc; // orphans go to init, which reaps them
    if (procs[i].state == PROC_ZOMBIE && init_proc->state == PROC_WAITING)
      init_proc->state = PROC_RUNNABLE;
  }
  p->exit_status = status;
  p->state = PROC_ZOMBIE;
  if (p->parent && p->parent->state == PROC_WAITING) p->parent->state = PROC_RUNNABLE;
  sched();
  panic("a zombie ran");
}

void proc_kill(const char *why, uint32_t pc) {
  kprintf("kernel: pid %d (%s) killed: %s, pc 0x%08x\n", current->pid, current->name, why, pc);
  proc_exit(EXIT_KILLED);
}
