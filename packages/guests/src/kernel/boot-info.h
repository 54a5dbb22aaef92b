// What the kernel learns from the flattened device tree the firmware passes in a1.
#pragma once
#include <stdint.h>

#define BOOT_MAX_RANGES 16

struct mem_range {
  uint32_t base, end; // [base, end), clipped to the 32-bit physical address space
};

struct boot_info {
  struct mem_range memory[BOOT_MAX_RANGES]; // /memory nodes
  int memory_count;
  struct mem_range reserved[BOOT_MAX_RANGES]; // /reserved-memory, the FDT reserve map, the FDT itself
  int reserved_count;
  uint32_t timebase_hz; // /cpus timebase-frequency
  char bootargs[256];   // /chosen bootargs
};

// Returns 0, or -1 when dtb does not point at a flattened device tree.
int dtb_parse(uint32_t dtb, struct boot_info *info);
