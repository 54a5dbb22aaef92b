// compute [N]: CPU-bound work, about 50 million instructions, with a checksum of
// all results; no system calls until it prints. With N > 1, N children do the same
// work at once (the timer preempts them in turn) and each must reach the same checksum.
#include "user.h"

#define SIEVE_LIMIT 400000
#define MATRIX 32
#define CRC_BYTES 16384
#define COLLATZ_LIMIT 20000

static uint32_t sieve_bits[SIEVE_LIMIT / 32 + 1];
static int32_t a[MATRIX][MATRIX], b[MATRIX][MATRIX], c[MATRIX][MATRIX];
static uint8_t crc_data[CRC_BYTES];

static uint32_t primes_below(uint32_t limit) {
  uint32_t count = 0;
  for (uint32_t i = 2; i < limit; i++) {
    if (sieve_bits[i / 32] & (1u << (i % 32))) continue;
    count++;
    for (uint32_t j = i * 2; j < limit; j += i) sieve_bits[j / 32] |= 1u << (j % 32);
  }
  return count;
}

static uint32_t matrix_rounds(int rounds) {
  uint32_t seed = 12345;
  for (int i = 0; i < MATRIX; i++) {
    for (int j = 0; j < MATRIX; j++) {
      seed = seed * 1103515245u + 12345u;
      a[i][j] = (int32_t)(seed >> 16) % 100 - 50;
      seed = seed * 1103515245u + 12345u;
      b[i][j] = (int32_t)(seed >> 16) % 100 - 50;
    }
  }
  uint32_t sum = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < MATRIX; i++) {
      for (int j = 0; j < MATRIX; j++) {
        int32_t s = 0;
        for (int k = 0; k < MATRIX; k++) s += a[i][k] * b[k][j];
        c[i][j] = s;
      }
    }
    for (int i = 0; i < MATRIX; i++) {
      for (int j = 0; j < MATRIX; j++) {
        a[i][j] = c[i][j] % 1000;
        sum = sum * 31 + (uint32_t)c[i][j];
      }
    }
  }
  return sum;
}

static uint32_t crc32_rounds(int rounds) {
  uint32_t x = 0x9e3779b9u;
  for (int i = 0; i < CRC_BYTES; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    crc_data[i] = (uint8_t)x;
  }
  uint32_t crc = 0xffffffffu;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < CRC_BYTES; i++) {
      crc ^= crc_data[i];
      for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
  }
  return ~crc;
}

static uint32_t collatz_steps(uint32_t limit) {
  uint32_t total = 0;
  for (uint32_t n = 1; n < limit; n++) {
    for (uint64_t x = n; x != 1; total++) x = (x & 1) ? 3 * x + 1 : x / 2;
  }
  return total;
}

static uint32_t work(int verbose) {
  for (uint32_t i = 0; i < sizeof sieve_bits / sizeof sieve_bits[0]; i++) sieve_bits[i] = 0;
  uint32_t primes = primes_below(SIEVE_LIMIT);
  uint32_t matrix = matrix_rounds(26);
  uint32_t crc = crc32_rounds(14);
  uint32_t collatz = collatz_steps(COLLATZ_LIMIT);
  if (verbose) {
    printf("compute: %u primes below %u\n", primes, SIEVE_LIMIT);
    printf("compute: matrix checksum 0x%08x\n", matrix);
    printf("compute: crc32 0x%08x\n", crc);
    printf("compute: %u collatz steps below %u\n", collatz, COLLATZ_LIMIT);
  }
  return primes ^ matrix ^ crc ^ collatz;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  if (n <= 1) {
    printf("compute: checksum 0x%08x\n", work(1));
    return 0;
  }
  for (int i = 0; i < n; i++) {
    int pid = fork();
    if (pid < 0) {
      printf("compute: fork failed\n");
      return 1;
    }
    if (pid == 0) exit((int)work(0)); // the kernel passes the whole int to wait
  }
  uint32_t first = 0;
  int same = 0;
  for (int i = 0; i < n; i++) {
    int status = 0;
    if (wait(&status) < 0) return 1;
    if (i == 0) first = (uint32_t)status;
    same += (uint32_t)status == first;
  }
  printf("compute: %d processes in parallel, %d with checksum 0x%08x\n", n, same, first);
  return same == n ? 0 : 1;
}
