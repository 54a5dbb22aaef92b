// timer: sleeps several times and prints what the guest clock says before and
// after each sleep. The values depend on the machine's notion of time.
#include "user.h"

int main(void) {
  static const uint32_t naps_ms[] = {10, 50, 100, 250};
  int early = 0;
  for (unsigned i = 0; i < sizeof naps_ms / sizeof naps_ms[0]; i++) {
    uint64_t before = clock_us();
    sleep(naps_ms[i]);
    uint64_t after = clock_us();
    printf("timer: sleep(%u ms): clock %llu us -> %llu us, slept %llu us\n", naps_ms[i], before, after,
           after - before);
    early += after - before < (uint64_t)naps_ms[i] * 1000;
  }
  printf("timer: %s\n", early ? "a sleep ended early" : "no sleep ended early");
  return early != 0;
}
