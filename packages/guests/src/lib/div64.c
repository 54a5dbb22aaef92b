// 64-bit division for rv32, which has only 32-bit divide instructions. The compiler
// calls these helpers (normally from compiler-rt, which a freestanding build lacks)
// for every 64-bit / and %: time conversions and printing 64-bit numbers.
#include <stdint.h>

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem) {
  uint64_t q = 0, r = 0;
  if (d == 0) { // as the RISC-V divide instructions define it: all ones, remainder n
    if (rem) *rem = n;
    return ~(uint64_t)0;
  }
  if (d > n) {
    if (rem) *rem = n;
    return 0;
  }
  if (d >> 63) { // d > n / 2, so the quotient is 1 (and the loop's shift would overflow)
    if (rem) *rem = n - d;
    return 1;
  }
  if ((n >> 32) == 0) { // then d fits in 32 bits too: one hardware divide
    if (rem) *rem = (uint32_t)n % (uint32_t)d;
    return (uint32_t)n / (uint32_t)d;
  }
  // Restoring division, one quotient bit per step.
  for (int i = 63; i >= 0; i--) {
    r = (r << 1) | ((n >> i) & 1);
    if (r >= d) {
      r -= d;
      q |= (uint64_t)1 << i;
    }
  }
  if (rem) *rem = r;
  return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d) { return __udivmoddi4(n, d, 0); }

uint64_t __umoddi3(uint64_t n, uint64_t d) {
  uint64_t r;
  __udivmoddi4(n, d, &r);
  return r;
}

int64_t __divdi3(int64_t n, int64_t d) {
  uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n;
  uint64_t ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
  uint64_t q = __udivmoddi4(un, ud, 0);
  return (n < 0) != (d < 0) ? -(int64_t)q : (int64_t)q;
}

int64_t __moddi3(int64_t n, int64_t d) {
  uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n;
  uint64_t ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
  uint64_t r;
  __udivmoddi4(un, ud, &r);
  return n < 0 ? -(int64_t)r : (int64_t)r;
}
