/* The smallest check of the board: console output and a passing finish. */
#include "console.h"

int main(void) {
  console_printf("hello from bare-metal rv32ima\n");
  return 0;
}
