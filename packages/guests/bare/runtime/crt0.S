/* Entry at 0x80000000 in M-mode, as with `qemu-system-riscv32 -machine virt -bios none`:
 * set up a stack and a fallback trap vector, zero .bss, run main, and hand its result
 * to the test finisher. */
  .section .text.init, "ax", @progbits
  .globl _start
_start:
  la sp, __stack_top
  la t0, unexpected_trap_entry
  csrw mtvec, t0
  la t0, __bss_start
  la t1, __bss_end
1:
  bgeu t0, t1, 2f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 1b
2:
  call main
  tail finish

/* Any trap a program did not plan for: report it and fail with code 99, rather than
 * loop through the trap forever. */
  .text
  .balign 4
  .globl unexpected_trap_entry
unexpected_trap_entry:
  csrr a0, mcause
  csrr a1, mepc
  csrr a2, mtval
  tail unexpected_trap
