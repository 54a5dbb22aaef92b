// fault: three children each do something a user program must not; the kernel
// kills each with a message and carries on. The parent checks that they were killed.
#include "user.h"

static const char *const misdeeds[] = {
    "writes to 0x40000000, where nothing is mapped",
    "reads 0x80400000, the kernel's own memory",
    "executes an illegal instruction",
};

static void misbehave(int kind) {
  if (kind == 0) *(volatile uint32_t *)0x40000000u = 1;
  if (kind == 1) (void)*(volatile uint32_t *)0x80400000u;
  if (kind == 2) __asm__ volatile(".word 0"); // all-zero bits: defined illegal
}

int main(void) {
  int killed = 0, n = sizeof misdeeds / sizeof misdeeds[0];
  for (int k = 0; k < n; k++) {
    printf("fault: a child %s\n", misdeeds[k]);
    int pid = fork();
    if (pid == 0) {
      misbehave(k);
      printf("fault: the child survived\n");
      exit(0);
    }
    int status = 0;
    wait(&status);
    if (status == EXIT_KILLED) killed++;
    else printf("fault: child %d exited with status %d instead of being killed\n", pid, status);
  }
  printf("fault: %d of %d children killed, the kernel carries on\n", killed, n);
  return killed != n;
}
