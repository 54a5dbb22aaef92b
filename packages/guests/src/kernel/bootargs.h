// The kernel command line, Linux style: "init=NAME tick=HZ pv=1 -- ARGS...".
#pragma once
#include <stdint.h>

#define INIT_MAX_ARGS 16

struct boot_config {
  const char *init;                     // program run as pid 1 ("init" unless init= says)
  const char *argv[INIT_MAX_ARGS + 2];  // argv[0] = the program's name, then the words after --
  int argc;
  uint32_t tick_hz;                     // scheduler tick in guest time (tick=, default 100)
  int pv;                               // pv=1: page tables by PV MMU hypercalls when offered
};

// Splits args in place (its words become the strings config points to).
void bootargs_parse(char *args, struct boot_config *config);
