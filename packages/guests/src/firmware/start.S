// Firmware entry (M-mode, from the board's reset code with a0 = hart id, a1 = device
// tree) and the M-mode trap vector.
#define FRAME_SIZE 128

  .section .text.entry, "ax"
  .globl _start
_start:
  // Only hart 0 runs the kernel; any other hart parks with interrupts off. The
  // hart id comes from mhartid, whatever the board's reset code put in a0.
  csrr a0, mhartid
  bnez a0, park
  la sp, boot_stack_top
  // The trap vector has its own stack: a trap taken while this code still runs
  // (an optional CSR that traps) must not overwrite the boot stack's live frames.
  la t0, trap_stack_top
  csrw mscratch, t0
  la t0, machine_trap
  csrw mtvec, t0
  // Zero .bss (the loader may or may not have).
  la t0, __bss_start
  la t1, __bss_end
1:
  bgeu t0, t1, 2f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 1b
2:
  call firmware_main
park:
  csrw mie, zero
3:
  wfi
  j 3b

// enter_supervisor(hartid, dtb, entry): mret into S-mode at entry with a0/a1 passed on.
  .text
  .globl enter_supervisor
enter_supervisor:
  csrw mepc, a2
  li t0, 3 << 11          // MPP field
  csrc mstatus, t0
  li t0, 1 << 11          // MPP = S
  csrs mstatus, t0
  li t0, 1 << 7           // MPIE = 0: M interrupts are enabled anyway while below M
  csrc mstatus, t0
  li a2, 0
  li t0, 0
  mret

// M-mode trap vector. mscratch holds the trap stack's top while S/U code runs.
  .balign 4
machine_trap:
  csrrw sp, mscratch, sp
  addi sp, sp, -FRAME_SIZE
  sw x1, 1*4(sp)
  sw x3, 3*4(sp)
  sw x4, 4*4(sp)
  sw x5, 5*4(sp)
  sw x6, 6*4(sp)
  sw x7, 7*4(sp)
  sw x8, 8*4(sp)
  sw x9, 9*4(sp)
  sw x10, 10*4(sp)
  sw x11, 11*4(sp)
  sw x12, 12*4(sp)
  sw x13, 13*4(sp)
  sw x14, 14*4(sp)
  sw x15, 15*4(sp)
  sw x16, 16*4(sp)
  sw x17, 17*4(sp)
  sw x18, 18*4(sp)
  sw x19, 19*4(sp)
  sw x20, 20*4(sp)
  sw x21, 21*4(sp)
  sw x22, 22*4(sp)
  sw x23, 23*4(sp)
  sw x24, 24*4(sp)
  sw x25, 25*4(sp)
  sw x26, 26*4(sp)
  sw x27, 27*4(sp)
  sw x28, 28*4(sp)
  sw x29, 29*4(sp)
  sw x30, 30*4(sp)
  sw x31, 31*4(sp)
  csrr t0, mscratch
  sw t0, 2*4(sp)
  mv a0, sp
  call firmware_trap
  lw x1, 1*4(sp)
  lw x3, 3*4(sp)
  lw x4, 4*4(sp)
  lw x5, 5*4(sp)
  lw x6, 6*4(sp)
  lw x7, 7*4(sp)
  lw x8, 8*4(sp)
  lw x9, 9*4(sp)
  lw x10, 10*4(sp)
  lw x11, 11*4(sp)
  lw x12, 12*4(sp)
  lw x13, 13*4(sp)
  lw x14, 14*4(sp)
  lw x15, 15*4(sp)
  lw x16, 16*4(sp)
  lw x17, 17*4(sp)
  lw x18, 18*4(sp)
  lw x19, 19*4(sp)
  lw x20, 20*4(sp)
  lw x21, 21*4(sp)
  lw x22, 22*4(sp)
  lw x23, 23*4(sp)
  lw x24, 24*4(sp)
  lw x25, 25*4(sp)
  lw x26, 26*4(sp)
  lw x27, 27*4(sp)
  lw x28, 28*4(sp)
  lw x29, 29*4(sp)
  lw x30, 30*4(sp)
  lw x31, 31*4(sp)
  addi sp, sp, FRAME_SIZE
  csrrw sp, mscratch, sp
  mret

  .bss
  .balign 16
boot_stack:
  .space 4096
boot_stack_top:
trap_stack:
  .space 4096
trap_stack_top:
