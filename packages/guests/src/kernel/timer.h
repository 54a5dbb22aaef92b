// Guest time and the timer: one SBI deadline, the earlier of the next scheduler
// tick (every 1/tick_hz seconds of guest time) and the earliest sleeper's wake-up.
#pragma once
#include <stdint.h>

void timer_init(uint32_t timebase_hz, uint32_t tick_hz);
// On each supervisor timer interrupt: wakes sleepers, counts a tick when one is
// due, and sets the next deadline.
void timer_interrupt(void);
// Makes sure the timer fires by deadline (a process sleeps until then).
void timer_wake_at(uint64_t deadline);
uint64_t timer_now(void);             // timebase units since boot
uint64_t timer_after_ms(uint32_t ms); // the time CSR's value ms from now
uint64_t timer_to_us(uint64_t timebase_units);
