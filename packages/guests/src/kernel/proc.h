// Processes and the round-robin scheduler.
#pragma once
#include <stdint.h>
#include "trap.h"

#define NPROC 64
#define KSTACK_SIZE 4096u

enum proc_state { PROC_UNUSED, PROC_NEW, PROC_RUNNABLE, PROC_RUNNING, PROC_SLEEPING, PROC_WAITING, PROC_ZOMBIE };

// Callee-saved registers of a kernel thread stopped in switch_context.
struct context {
  uint32_t ra, sp, s[12];
};

struct proc {
  enum proc_state state;
  int pid;
  struct proc *parent;
  int exit_status;
  uint32_t root;       // physical address of the Sv32 root page table
  uint32_t heap_start; // the page after the loaded image
  uint32_t brk;        // the program break: end of the heap
  uint64_t wake_at;    // PROC_SLEEPING until read_time() reaches this
  struct context context;
  struct trap_frame *frame; // user registers, at the top of the kernel stack
  uint8_t *kstack;
  char name[16];
};

extern struct proc *current;

void switch_context(struct context *save, const struct context *load); // switch.S

void proc_init(void);
// A fresh process in state PROC_NEW (pid assigned, not yet runnable), or 0.
struct proc *proc_alloc(void);
// Starts the first process: exec of the program into it; returns its pid or -1.
int proc_start_init(const char *name, int argc, const char *const argv[]);
void scheduler(void) __attribute__((noreturn));
void proc_yield(void);
void proc_sleep_until(uint64_t deadline);
void proc_wake_sleepers(uint64_t now);
// The earliest wake_at of a sleeping process, or UINT64_MAX.
uint64_t proc_earliest_wake(void);
int proc_fork(void);
int proc_wait(uint32_t status_uva);
void proc_exit(int status) __attribute__((noreturn));
// Kills the current process after a bad trap, with a message saying why.
void proc_kill(const char *why, uint32_t pc) __attribute__((noreturn));
void proc_check_stack(struct proc *p);
