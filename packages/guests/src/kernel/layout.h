// The virtual address layout. Every address space maps the kernel one to one over
// its RAM (kernel only, U clear, 4 MiB megapages where RAM allows) in the upper half;
// the lower half belongs to the process:
//
//   0x00010000  program image (ELF PT_LOAD segments), then the heap up to the break
//   0x40000000  programs must load below this; the break may grow to USER_HEAP_LIMIT
//   0x7fffc000  user stack (USER_STACK_PAGES pages), top at 0x80000000
//   0x80000000  the kernel's view of RAM (RAM on QEMU virt and hvrr starts here)
#pragma once

#define USER_BASE 0x00010000u
#define USER_LOAD_LIMIT 0x40000000u
#define USER_HEAP_LIMIT 0x7f000000u
#define USER_STACK_PAGES 4u
#define USER_STACK_TOP 0x80000000u
#define USER_STACK_BOTTOM (USER_STACK_TOP - USER_STACK_PAGES * 4096u)
#define USER_ROOT_ENTRIES 512u // root entries below this one map user addresses
