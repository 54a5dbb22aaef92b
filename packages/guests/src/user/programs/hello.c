// hello: the smallest program: one line, its arguments, exit 0.
#include "user.h"

int main(int argc, char **argv) {
  printf("hello, world! (pid %d)\n", getpid());
  for (int i = 1; i < argc; i++) printf("hello: argv[%d] = \"%s\"\n", i, argv[i]);
  return 0;
}
