// init: the default first process. Runs a short tour of the built-in programs,
// each in a child (fork, then exec), and waits for each in turn.
#include "user.h"

struct step {
  char *argv[3];
};

static const struct step tour[] = {
    {{"hello", 0}},        {{"malloc", 0}}, {{"forkwait", "100", 0}}, {{"memtouch", "1024", 0}},
    {{"timer", 0}},        {{"compute", 0}}, {{"fault", 0}},
};

int main(void) {
  int n = sizeof tour / sizeof tour[0], ok = 0;
  printf("init: a tour of %d programs\n", n);
  for (int i = 0; i < n; i++) {
    char *const *argv = tour[i].argv;
    printf("init: $ %s%s%s\n", argv[0], argv[1] ? " " : "", argv[1] ? argv[1] : "");
    int pid = fork();
    if (pid < 0) {
      printf("init: fork failed\n");
      return 1;
    }
    if (pid == 0) {
      exec(argv[0], argv);
      printf("init: exec %s failed\n", argv[0]);
      exit(127);
    }
    // Orphans of a program are init's children too: wait for this one.
    int status = -2, waited;
    while ((waited = wait(&status)) != pid && waited >= 0) {
    }
    if (status == 0) ok++;
    else printf("init: %s exited with status %d\n", argv[0], status);
  }
  printf("init: tour done, %d of %d programs exited with status 0\n", ok, n);
  return ok == n ? 0 : 1;
}
