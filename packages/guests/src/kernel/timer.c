#include "timer.h"
#include "proc.h"
#include "riscv.h"
#include "sbi-call.h"

static uint32_t timebase, period;
static uint64_t boot_time, next_tick, armed;

static void arm(uint64_t deadline) {
  armed = deadline;
  sbi_set_timer(deadline); // also clears a pending timer interrupt
}

void timer_init(uint32_t timebase_hz, uint32_t tick_hz) {
  timebase = timebase_hz;
  period = timebase_hz / tick_hz;
  if (period == 0) period = 1;
  boot_time = read_time();
  next_tick = boot_time + period;
  csr_set(sie, 1u << IRQ_S_TIMER);
  arm(next_tick);
}

void timer_interrupt(void) {
  uint64_t now = read_time();
  if (now >= next_tick) next_tick = now + period;
  proc_wake_sleepers(now);
  uint64_t deadline = proc_earliest_wake();
  arm(deadline < next_tick ? deadline : next_tick);
}

void timer_wake_at(uint64_t deadline) {
  if (deadline < armed) arm(deadline);
}

uint64_t timer_now(void) { return read_time() - boot_time; }

uint64_t timer_after_ms(uint32_t ms) { return read_time() + (uint64_t)ms * (timebase / 1000); }

uint64_t timer_to_us(uint64_t units) { return units * 1000000 / timebase; }
