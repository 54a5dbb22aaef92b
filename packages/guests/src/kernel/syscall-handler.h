// System calls (numbers in include/syscall.h).
#pragma once
#include "trap.h"

// Performs the call in f's a7 with f's a0..a2 and leaves the result in f's a0 (a1).
void syscall_dispatch(struct trap_frame *f);
