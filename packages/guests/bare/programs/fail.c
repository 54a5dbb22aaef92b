/* A run that ends in failure, so the verdict and its code are checked too. */
#include "console.h"

#define FAIL_CODE 7

int main(void) {
  console_printf("fail: ending with failure code %d\n", FAIL_CODE);
  return FAIL_CODE;
}
