// One ecall per system call: a7 = number, a0..a2 arguments, result in a0 (a1).
#include "user.h"

static inline int32_t syscall3(uint32_t n, uint32_t a, uint32_t b, uint32_t c) {
  register uint32_t a0 __asm__("a0") = a;
  register uint32_t a1 __asm__("a1") = b;
  register uint32_t a2 __asm__("a2") = c;
  register uint32_t a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a7) : "memory");
  return (int32_t)a0;
}

void exit(int status) {
  syscall3(SYS_EXIT, (uint32_t)status, 0, 0);
  for (;;) {
  }
}
int write(int fd, const void *buf, size_t len) { return syscall3(SYS_WRITE, (uint32_t)fd, (uint32_t)buf, len); }
int read(int fd, void *buf, size_t len) { return syscall3(SYS_READ, (uint32_t)fd, (uint32_t)buf, len); }
int getpid(void) { return syscall3(SYS_GETPID, 0, 0, 0); }
void *brk(void *addr) { return (void *)syscall3(SYS_BRK, (uint32_t)addr, 0, 0); }
void *sbrk(int increment) { return (void *)syscall3(SYS_SBRK, (uint32_t)increment, 0, 0); }
int fork(void) { return syscall3(SYS_FORK, 0, 0, 0); }
int wait(int *status) { return syscall3(SYS_WAIT, (uint32_t)status, 0, 0); }
int exec(const char *name, char *const argv[]) { return syscall3(SYS_EXEC, (uint32_t)name, (uint32_t)argv, 0); }
int yield(void) { return syscall3(SYS_YIELD, 0, 0, 0); }
int sleep(uint32_t ms) { return syscall3(SYS_SLEEP, ms, 0, 0); }

uint64_t clock_us(void) {
  register uint32_t a0 __asm__("a0") = 0;
  register uint32_t a1 __asm__("a1") = 0;
  register uint32_t a7 __asm__("a7") = SYS_CLOCK;
  __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a7) : "memory");
  return ((uint64_t)a1 << 32) | a0;
}
