// Kernel entry, S-mode, paging off: a0 = hart id, a1 = device tree.
  .section .text.entry, "ax"
  .globl _start
_start:
  la sp, boot_stack_top
  // Zero .bss (a loader may leave it to us); a0/a1 are kept for kernel_main.
  la t0, __bss_start
  la t1, __bss_end
1:
  bgeu t0, t1, 2f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 1b
2:
  call kernel_main
3:
  wfi
  j 3b

  .bss
  .balign 16
  // The boot stack becomes the scheduler's stack.
boot_stack:
  .space 8192
boot_stack_top:
