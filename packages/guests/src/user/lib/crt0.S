// Program entry: the kernel starts us with a0 = argc, a1 = argv, sp = argv.
  .section .text.start, "ax"
  .globl _start
_start:
  call main
  call exit
