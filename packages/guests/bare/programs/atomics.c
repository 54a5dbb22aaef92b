/* The A extension on one hart: every AMO .w against signed and unsigned corner values
 * (old value returned, new value in memory), the ordering-bit encodings, and LR/SC
 * success and the failures the specification requires (no reservation, reservation
 * already used, a different address). A result that breaks the specification's
 * definition fails the run. */
#include "console.h"

#define AMO(op)                                                                 \
  static unsigned amo_##op(volatile unsigned *p, unsigned v) {                  \
    unsigned old;                                                               \
    __asm__ volatile("amo" #op ".w %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(v) : "memory"); \
    return old;                                                                 \
  }
AMO(swap)
AMO(add)
AMO(xor)
AMO(and)
AMO(or)
AMO(min)
AMO(max)
AMO(minu)
AMO(maxu)

typedef unsigned (*amo_fn)(volatile unsigned *, unsigned);

static unsigned expected_swap(unsigned m, unsigned v) { (void)m; return v; }
static unsigned expected_add(unsigned m, unsigned v) { return m + v; }
static unsigned expected_xor(unsigned m, unsigned v) { return m ^ v; }
static unsigned expected_and(unsigned m, unsigned v) { return m & v; }
static unsigned expected_or(unsigned m, unsigned v) { return m | v; }
static unsigned expected_min(unsigned m, unsigned v) { return (int)m < (int)v ? m : v; }
static unsigned expected_max(unsigned m, unsigned v) { return (int)m > (int)v ? m : v; }
static unsigned expected_minu(unsigned m, unsigned v) { return m < v ? m : v; }
static unsigned expected_maxu(unsigned m, unsigned v) { return m > v ? m : v; }

static const struct {
  const char *name;
  amo_fn run;
  unsigned (*expected)(unsigned, unsigned);
} amos[] = {
    {"amoswap.w", amo_swap, expected_swap}, {"amoadd.w", amo_add, expected_add},
    {"amoxor.w", amo_xor, expected_xor},    {"amoand.w", amo_and, expected_and},
    {"amoor.w", amo_or, expected_or},       {"amomin.w", amo_min, expected_min},
    {"amomax.w", amo_max, expected_max},    {"amominu.w", amo_minu, expected_minu},
    {"amomaxu.w", amo_maxu, expected_maxu},
};

static const unsigned memory_values[] = {0x00000005, 0x7fffffff, 0x80000000, 0xffffffff};
static const unsigned operands[] = {0x00000003, 0xfffffffe, 0x80000000};

/* Far enough apart that no sensible reservation set holds both words. */
static volatile unsigned words[128] __attribute__((aligned(64)));
#define OTHER_WORD 64

static int failures;

static void check(int ok, const char *what, unsigned got) {
  if (!ok) {
    failures++;
    console_printf("CHECK FAILED %s got=%08x\n", what, got);
  }
}

static unsigned lr(volatile unsigned *p) {
  unsigned v;
  __asm__ volatile("lr.w %0, (%1)" : "=r"(v) : "r"(p) : "memory");
  return v;
}

/* Returns sc.w's rd: 0 when the store happened. */
static unsigned sc(volatile unsigned *p, unsigned v) {
  unsigned status;
  __asm__ volatile("sc.w %0, %2, (%1)" : "=r"(status) : "r"(p), "r"(v) : "memory");
  return status;
}

static void every_amo(void) {
  for (unsigned a = 0; a < sizeof amos / sizeof amos[0]; a++) {
    for (unsigned m = 0; m < sizeof memory_values / sizeof memory_values[0]; m++) {
      console_printf("%s mem=%08x:", amos[a].name, memory_values[m]);
      for (unsigned o = 0; o < sizeof operands / sizeof operands[0]; o++) {
        words[0] = memory_values[m];
        unsigned old = amos[a].run(&words[0], operands[o]);
        unsigned now = words[0];
        console_printf(" op=%08x old=%08x new=%08x", operands[o], old, now);
        check(old == memory_values[m], amos[a].name, old);
        check(now == amos[a].expected(memory_values[m], operands[o]), amos[a].name, now);
      }
      console_printf("\n");
    }
  }
}

static void ordering_bits_and_x0(void) {
  unsigned old;
  words[0] = 10;
  __asm__ volatile("amoadd.w.aq %0, %2, (%1)" : "=r"(old) : "r"(&words[0]), "r"(1) : "memory");
  __asm__ volatile("amoadd.w.rl %0, %2, (%1)" : "=r"(old) : "r"(&words[0]), "r"(2) : "memory");
  __asm__ volatile("amoadd.w.aqrl %0, %2, (%1)" : "=r"(old) : "r"(&words[0]), "r"(4) : "memory");
  /* rd = x0 still performs the memory update. */
  __asm__ volatile("amoadd.w zero, %1, (%0)" ::"r"(&words[0]), "r"(8) : "memory");
  console_printf("aq/rl/aqrl/x0 amoadd: last old=%u mem=%u\n", old, words[0]);
  check(old == 13 && words[0] == 25, "amoadd ordering bits", words[0]);
}

static void lr_sc(void) {
  words[0] = 0x11111111;
  words[OTHER_WORD] = 0x22222222;

  unsigned loaded = lr(&words[0]);
  unsigned status = sc(&words[0], 0x33333333);
  console_printf("lr/sc same word: loaded=%08x sc=%u mem=%08x\n", loaded, status, words[0]);
  check(loaded == 0x11111111 && status == 0 && words[0] == 0x33333333, "lr/sc", status);

  /* The successful sc used up the reservation. */
  status = sc(&words[0], 0x44444444);
  console_printf("sc after sc: sc=%u mem=%08x\n", status, words[0]);
  check(status != 0 && words[0] == 0x33333333, "sc without reservation", status);

  loaded = lr(&words[0]);
  status = sc(&words[OTHER_WORD], 0x55555555);
  console_printf("lr one word, sc another: sc=%u mem=%08x other=%08x\n", status, words[0],
                 words[OTHER_WORD]);
  check(status != 0 && words[OTHER_WORD] == 0x22222222, "sc to another word", status);

  unsigned acquired;
  __asm__ volatile("lr.w.aq %0, (%1)" : "=r"(acquired) : "r"(&words[0]) : "memory");
  __asm__ volatile("sc.w.rl %0, %2, (%1)" : "=r"(status) : "r"(&words[0]), "r"(0x66666666)
                   : "memory");
  console_printf("lr.w.aq/sc.w.rl: loaded=%08x sc=%u mem=%08x\n", acquired, status, words[0]);
  check(status == 0 && words[0] == 0x66666666, "lr.aq/sc.rl", status);

  /* The usual retry loop: an atomic increment built from LR/SC. */
  words[1] = 0;
  unsigned retries = 0;
  for (int i = 0; i < 1000; i++) {
    while (sc(&words[1], lr(&words[1]) + 3) != 0) retries++;
  }
  console_printf("lr/sc increment x1000: mem=%u retries=%u\n", words[1], retries);
  check(words[1] == 3000, "lr/sc increment", words[1]);
}

int main(void) {
  console_printf("atomics: RV32A\n");
  every_amo();
  ordering_bits_and_x0();
  lr_sc();
  console_printf("atomics: %d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
