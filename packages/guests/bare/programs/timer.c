/* Machine timer and software interrupts from the CLINT: a run of timer interrupts
 * through a direct-mode mtvec, another through a vectored table, a software interrupt,
 * MSI taking priority over MTI when both are pending, and WFI waking on a pending
 * interrupt while mstatus.MIE is off. Only counts and causes are printed, never
 * times, so the output does not depend on the host's speed. */
#include "console.h"
#include "finisher.h"
#include "platform.h"

#define MIE_MSIE (1u << IRQ_M_SOFT)
#define MIE_MTIE (1u << IRQ_M_TIMER)
#define MIP_MSIP MIE_MSIE
#define MIP_MTIP MIE_MTIE

#define INTERVAL 1000 /* timebase ticks (10 MHz): 100 us */
#define TICKS_PER_MODE 5
#define ORDER_MAX 8
#define UNEXPECTED_INTERRUPT_CODE 98

static volatile unsigned direct_ticks, vectored_ticks, software_interrupts;
static volatile unsigned last_cause;
static volatile unsigned order[ORDER_MAX], order_length;
static volatile unsigned long long deadline;
/* Set while the priority check runs, so the timer handler does not re-arm. */
static volatile int one_shot;

static unsigned long long mtime_read(void) {
  unsigned high, low;
  do {
    high = MMIO32(CLINT_MTIME + 4);
    low = MMIO32(CLINT_MTIME);
  } while (high != MMIO32(CLINT_MTIME + 4));
  return ((unsigned long long)high << 32) | low;
}

/* The high word goes to all ones first, so no intermediate value lies in the past. */
static void mtimecmp_write(unsigned long long value) {
  MMIO32(CLINT_MTIMECMP + 4) = 0xffffffff;
  MMIO32(CLINT_MTIMECMP) = (unsigned)value;
  MMIO32(CLINT_MTIMECMP + 4) = (unsigned)(value >> 32);
}

static void mtimecmp_never(void) {
  MMIO32(CLINT_MTIMECMP + 4) = 0xffffffff;
  MMIO32(CLINT_MTIMECMP) = 0xffffffff;
}

static void record(unsigned cause) {
  last_cause = cause;
  if (order_length < ORDER_MAX) order[order_length++] = cause;
}

/* Counts one tick and arms the next, until `ticks` reaches TICKS_PER_MODE. */
static void timer_tick(volatile unsigned *ticks) {
  record(CSR_READ(mcause));
  *ticks += 1;
  if (one_shot || *ticks >= TICKS_PER_MODE) {
    mtimecmp_never();
  } else {
    deadline += INTERVAL;
    mtimecmp_write(deadline);
  }
}

static void software(void) {
  record(CSR_READ(mcause));
  software_interrupts++;
  MMIO32(CLINT_MSIP) = 0;
}

__attribute__((interrupt("machine"))) static void direct_trap(void) {
  unsigned cause = CSR_READ(mcause);
  if (cause == (CAUSE_INTERRUPT | IRQ_M_TIMER)) {
    timer_tick(&direct_ticks);
  } else if (cause == (CAUSE_INTERRUPT | IRQ_M_SOFT)) {
    software();
  } else {
    console_printf("unexpected trap: mcause=%08x mepc=%08x\n", cause, CSR_READ(mepc));
    finish(UNEXPECTED_INTERRUPT_CODE);
  }
}

/* Entered from timer_vector_table. */
__attribute__((interrupt("machine"))) void vectored_timer(void) { timer_tick(&vectored_ticks); }
__attribute__((interrupt("machine"))) void vectored_software(void) { software(); }

extern const char timer_vector_table[];

static void wait_for_ticks(volatile unsigned *ticks) {
  deadline = mtime_read() + INTERVAL;
  mtimecmp_write(deadline);
  CSR_SET(mstatus, MSTATUS_MIE);
  while (*ticks < TICKS_PER_MODE) __asm__ volatile("wfi");
  CSR_CLEAR(mstatus, MSTATUS_MIE);
}

int main(void) {
  int failures = 0;
  console_printf("timer: CLINT machine timer and software interrupts\n");
  mtimecmp_never();
  MMIO32(CLINT_MSIP) = 0;
  CSR_WRITE(mie, MIE_MTIE);

  CSR_WRITE(mtvec, (unsigned)direct_trap);
  wait_for_ticks(&direct_ticks);
  console_printf("direct mtvec: %u timer interrupts, mcause=%08x\n", direct_ticks, last_cause);
  failures += direct_ticks != TICKS_PER_MODE || last_cause != (CAUSE_INTERRUPT | IRQ_M_TIMER);

  CSR_WRITE(mtvec, (unsigned)timer_vector_table | 1);
  wait_for_ticks(&vectored_ticks);
  console_printf("vectored mtvec: %u timer interrupts, mcause=%08x, "
                 "direct-mode handler entered %u times\n",
                 vectored_ticks, last_cause, direct_ticks - TICKS_PER_MODE);
  failures += vectored_ticks != TICKS_PER_MODE || direct_ticks != TICKS_PER_MODE;

  /* A software interrupt: raised by writing msip, cleared by the handler. */
  CSR_SET(mie, MIE_MSIE);
  CSR_SET(mstatus, MSTATUS_MIE);
  MMIO32(CLINT_MSIP) = 1;
  while (software_interrupts == 0) {
  }
  CSR_CLEAR(mstatus, MSTATUS_MIE);
  console_printf("software interrupt: %u taken, mcause=%08x, mip.MSIP=%u\n", software_interrupts,
                 last_cause, (CSR_READ(mip) & MIP_MSIP) != 0);
  failures += software_interrupts != 1 || (CSR_READ(mip) & MIP_MSIP) != 0;

  /* Both pending while mstatus.MIE is off; once on, MSI is taken before MTI. */
  one_shot = 1;
  order_length = 0;
  MMIO32(CLINT_MSIP) = 1;
  mtimecmp_write(0);
  unsigned pending = CSR_READ(mip) & (MIP_MSIP | MIP_MTIP);
  CSR_SET(mstatus, MSTATUS_MIE);
  while (order_length < 2) {
  }
  CSR_CLEAR(mstatus, MSTATUS_MIE);
  console_printf("both pending: mip=%08x, taken in order %08x then %08x\n", pending, order[0],
                 order[1]);
  failures += pending != (MIP_MSIP | MIP_MTIP) || order[0] != (CAUSE_INTERRUPT | IRQ_M_SOFT) ||
              order[1] != (CAUSE_INTERRUPT | IRQ_M_TIMER);

  /* WFI wakes on a pending, enabled interrupt even with mstatus.MIE off; no trap. */
  unsigned ticks_before = direct_ticks + vectored_ticks;
  mtimecmp_write(mtime_read() + INTERVAL);
  while ((CSR_READ(mip) & MIP_MTIP) == 0) __asm__ volatile("wfi");
  unsigned woke_pending = (CSR_READ(mip) & MIP_MTIP) != 0;
  mtimecmp_never();
  unsigned after_rearm = (CSR_READ(mip) & MIP_MTIP) != 0;
  console_printf("wfi with mstatus.MIE=0: woke with mip.MTIP=%u, handlers ran %u, "
                 "mip.MTIP after mtimecmp=max: %u\n",
                 woke_pending, direct_ticks + vectored_ticks - ticks_before, after_rearm);
  failures += !woke_pending || direct_ticks + vectored_ticks != ticks_before || after_rearm;

  CSR_WRITE(mie, 0);
  unsigned total = direct_ticks + vectored_ticks;
  console_printf("timer: %u timer interrupts, %u software interrupts, %d failed\n", total,
                 software_interrupts, failures);
  return failures == 0 ? 0 : 1;
}
