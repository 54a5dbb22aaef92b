// forkwait N: N times fork, the child exits at once, the parent waits for it. Each
// fork copies the whole address space and each exit frees it: page-table work.
#include "user.h"

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 100;
  for (int i = 0; i < n; i++) {
    int pid = fork();
    if (pid < 0) {
      printf("forkwait: fork %d failed\n", i);
      return 1;
    }
    if (pid == 0) exit(i & 0x7f);
    int status = -2;
    int waited = wait(&status);
    if (waited != pid || status != (i & 0x7f)) {
      printf("forkwait: fork %d: child %d, wait gave pid %d status %d\n", i, pid, waited, status);
      return 1;
    }
  }
  printf("forkwait: %d forks, %d exits, %d waits, all statuses right\n", n, n, n);
  return 0;
}
