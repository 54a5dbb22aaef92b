/* The CPU-bound workload behind `pnpm bench`: RV32IM only, no traps, no devices until
 * the end. Each round runs a prime sieve, a table-driven CRC-32, an integer matrix
 * multiply and a sort, on inputs derived from the round number, and folds every result
 * into one checksum, so nothing can be skipped or hoisted and any wrong instruction
 * shows in the printed checksum. About 150 million instructions. */
#include "console.h"

#define ROUNDS 64

#define SIEVE_LIMIT 65536
#define CRC_BYTES 16384
#define MATRIX_N 24
#define SORT_COUNT 2048

static unsigned char composite[SIEVE_LIMIT];
static unsigned char crc_input[CRC_BYTES];
static unsigned crc_table[256];
static int matrix_a[MATRIX_N][MATRIX_N], matrix_b[MATRIX_N][MATRIX_N], matrix_c[MATRIX_N][MATRIX_N];
static unsigned sort_keys[SORT_COUNT];

static unsigned rng_state;

static unsigned xorshift32(void) {
  unsigned x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng_state = x;
  return x;
}

static unsigned rotate_left(unsigned x, unsigned n) { return (x << n) | (x >> (32 - n)); }

static unsigned fold(unsigned checksum, unsigned value) {
  return rotate_left(checksum, 5) ^ (value * 0x9e3779b1u);
}

/* Counts primes below `limit` and sums them. */
static unsigned sieve(unsigned limit, unsigned *sum) {
  for (unsigned i = 0; i < limit; i++) composite[i] = 0;
  unsigned count = 0, total = 0;
  for (unsigned i = 2; i < limit; i++) {
    if (composite[i]) continue;
    count++;
    total += i;
    /* limit <= 65536, so i * i cannot overflow. */
    for (unsigned j = i * i; j < limit; j += i) composite[j] = 1;
  }
  *sum = total;
  return count;
}

static void crc_make_table(void) {
  for (unsigned n = 0; n < 256; n++) {
    unsigned c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}

static unsigned crc32(const unsigned char *data, unsigned length) {
  unsigned c = 0xffffffffu;
  for (unsigned i = 0; i < length; i++) c = crc_table[(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static unsigned matrix_multiply(void) {
  for (int i = 0; i < MATRIX_N; i++) {
    for (int j = 0; j < MATRIX_N; j++) {
      matrix_a[i][j] = (int)(xorshift32() % 2001) - 1000;
      matrix_b[i][j] = (int)(xorshift32() % 2001) - 1000;
    }
  }
  unsigned trace_mix = 0;
  for (int i = 0; i < MATRIX_N; i++) {
    for (int j = 0; j < MATRIX_N; j++) {
      int sum = 0;
      for (int k = 0; k < MATRIX_N; k++) sum += matrix_a[i][k] * matrix_b[k][j];
      matrix_c[i][j] = sum;
      trace_mix = fold(trace_mix, (unsigned)sum);
    }
  }
  return trace_mix;
}

/* Heapsort: in place, no recursion, the same work for the same input. */
static void sift_down(unsigned *keys, unsigned root, unsigned end) {
  while (2 * root + 1 < end) {
    unsigned child = 2 * root + 1;
    if (child + 1 < end && keys[child] < keys[child + 1]) child++;
    if (keys[root] >= keys[child]) return;
    unsigned t = keys[root];
    keys[root] = keys[child];
    keys[child] = t;
    root = child;
  }
}

static void heapsort(unsigned *keys, unsigned n) {
  for (unsigned start = n / 2; start-- > 0;) sift_down(keys, start, n);
  for (unsigned end = n; end-- > 1;) {
    unsigned t = keys[0];
    keys[0] = keys[end];
    keys[end] = t;
    sift_down(keys, 0, end);
  }
}

/* Sorts fresh keys; returns a position-weighted sum, or 0 if the result is unsorted. */
static unsigned sort_round(int *sorted) {
  for (unsigned i = 0; i < SORT_COUNT; i++) sort_keys[i] = xorshift32() % 100000u;
  heapsort(sort_keys, SORT_COUNT);
  unsigned weighted = 0;
  *sorted = 1;
  for (unsigned i = 0; i < SORT_COUNT; i++) {
    if (i > 0 && sort_keys[i - 1] > sort_keys[i]) *sorted = 0;
    weighted += sort_keys[i] * (i + 1);
  }
  return weighted;
}

int main(void) {
  console_printf("bench: sieve, crc32, matrix multiply, heapsort x %d rounds\n", ROUNDS);
  crc_make_table();
  unsigned checksum = 0, primes = 0, prime_sum = 0, crc = 0, matrix = 0, sort = 0;
  int all_sorted = 1;
  for (unsigned round = 0; round < ROUNDS; round++) {
    rng_state = 0x12345678u ^ (round * 0x01000193u);
    primes = sieve(SIEVE_LIMIT - (round & 15), &prime_sum);
    checksum = fold(fold(checksum, primes), prime_sum);

    for (unsigned i = 0; i < CRC_BYTES; i++) crc_input[i] = (unsigned char)xorshift32();
    crc = crc32(crc_input, CRC_BYTES);
    checksum = fold(checksum, crc);

    matrix = matrix_multiply();
    checksum = fold(checksum, matrix);

    int sorted;
    sort = sort_round(&sorted);
    all_sorted &= sorted;
    checksum = fold(checksum, sort);
  }
  console_printf("last round: primes=%u sum=%u crc32=%08x matrix=%08x sort=%08x\n", primes,
                 prime_sum, crc, matrix, sort);
  console_printf("bench: checksum=%08x%s\n", checksum, all_sorted ? "" : " (sort FAILED)");
  return all_sorted ? 0 : 1;
}
