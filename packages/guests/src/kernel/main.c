// The kernel's boot: from the firmware's jump (S-mode, paging off, a0 = hart id,
// a1 = device tree) to the first process.
#include "boot-info.h"
#include "bootargs.h"
#include "console.h"
#include "exec.h"
#include "lib.h"
#include "page-alloc.h"
#include "proc.h"
#include "pt-write.h"
#include "riscv.h"
#include "sbi-call.h"
#include "timer.h"
#include "trap.h"
#include "vm.h"

extern char __kernel_start[], __kernel_end[];

static struct boot_info boot;
static struct boot_config config;

// RAM the kernel may use: the memory nodes, minus everything below the kernel's
// end (the firmware's and the kernel's own image), minus the reserved ranges.
static void add_usable_memory(void) {
  struct mem_range *res = boot.reserved;
  int nres = boot.reserved_count;
  for (int i = 1; i < nres; i++) { // sort the reserved ranges by base
    for (int j = i; j > 0 && res[j].base < res[j - 1].base; j--) {
      struct mem_range t = res[j];
      res[j] = res[j - 1];
      res[j - 1] = t;
    }
  }
  for (int m = 0; m < boot.memory_count; m++) {
    uint32_t cur = boot.memory[m].base, end = boot.memory[m].end;
    if (cur < (uint32_t)__kernel_end) cur = (uint32_t)__kernel_end;
    for (int r = 0; r < nres && cur < end; r++) {
      if (res[r].end <= cur || res[r].base >= end) continue;
      if (res[r].base > cur) page_pool_add(PAGE_ROUND_UP(cur), PAGE_ROUND_DOWN(res[r].base));
      if (res[r].end > cur) cur = res[r].end;
    }
    if (cur < end) page_pool_add(PAGE_ROUND_UP(cur), PAGE_ROUND_DOWN(end));
  }
}

// The kernel's one-to-one map covers RAM from the kernel's start up: RAM below it
// is the firmware's, and the user half of the address space ends at 0x80000000.
static int kernel_ram(struct mem_range *out) {
  int n = 0;
  for (int m = 0; m < boot.memory_count; m++) {
    uint32_t base = boot.memory[m].base, end = boot.memory[m].end;
    if (base < (uint32_t)__kernel_start) base = (uint32_t)__kernel_start;
    if (end > base) out[n++] = (struct mem_range){base, end};
  }
  return n;
}

void kernel_main(uint32_t hartid, uint32_t dtb) {
  console_init();
  kprintf("kernel: hvrr guest kernel (rv32ima, Sv32), hart %u\n", hartid);
  if (dtb_parse(dtb, &boot) < 0) panic("no device tree at 0x%08x", dtb);
  kprintf("kernel: bootargs \"%s\"\n", boot.bootargs);
  bootargs_parse(boot.bootargs, &config);
  if (boot.memory_count == 0) panic("the device tree has no memory node");

  add_usable_memory();
  kprintf("kernel: RAM 0x%08x-0x%08x, %u KiB free for pages\n", boot.memory[0].base,
          boot.memory[boot.memory_count - 1].end, page_free_count() * 4);
  pt_init(config.pv);
  struct mem_range ram[BOOT_MAX_RANGES];
  vm_init(ram, kernel_ram(ram));
  trap_init();
  proc_init();

  kprintf("kernel: tick %u Hz, timebase %u Hz; starting %s\n", config.tick_hz, boot.timebase_hz, config.init);
  if (proc_start_init(config.init, config.argc, config.argv) < 0) {
    kprintf("kernel: cannot start init program '%s'\n", config.init);
    exec_list_programs();
    sbi_shutdown(1);
  }
  timer_init(boot.timebase_hz, config.tick_hz);
  scheduler();
}
