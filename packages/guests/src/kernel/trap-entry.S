// The supervisor trap vector and the way back out (struct trap_frame in trap.h).
//
// sscratch is 0 while the kernel runs and holds the top of the current process's
// kernel stack while user code runs, so the vector knows where it came from and
// which stack to use without touching any register first.
#define FRAME_SIZE 144
#define SEPC 128
#define SSTATUS 132
#define SCAUSE 136
#define STVAL 140

  .text
  .balign 4
  .globl trap_entry
trap_entry:
  csrrw sp, sscratch, sp
  bnez sp, from_user
  // From the kernel: swap back (sp = kernel sp, sscratch = 0) and push a frame.
  csrrw sp, sscratch, sp
  addi sp, sp, -FRAME_SIZE
  sw t0, 5*4(sp)
  addi t0, sp, FRAME_SIZE
  sw t0, 2*4(sp)
  j save_rest
from_user:
  // sp = top of the kernel stack, sscratch = user sp.
  addi sp, sp, -FRAME_SIZE
  sw t0, 5*4(sp)
  csrrw t0, sscratch, zero
  sw t0, 2*4(sp)
save_rest:
  sw x1, 1*4(sp)
  sw x3, 3*4(sp)
  sw x4, 4*4(sp)
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
  csrr t0, sepc
  sw t0, SEPC(sp)
  csrr t0, sstatus
  sw t0, SSTATUS(sp)
  csrr t0, scause
  sw t0, SCAUSE(sp)
  csrr t0, stval
  sw t0, STVAL(sp)
  mv a0, sp
  call trap_handler
  mv a0, sp           // sp is callee-saved: still the frame
  j trap_return

// A new process's first run: switch_context "returns" here with sp = its frame.
  .globl process_first_return
process_first_return:
  mv a0, sp
  // fall through

// trap_return(frame): restores frame and srets.
  .globl trap_return
trap_return:
  mv sp, a0
  lw t0, SEPC(sp)
  csrw sepc, t0
  lw t0, SSTATUS(sp)
  csrw sstatus, t0
  andi t0, t0, 1 << 8  // SPP: returning to the kernel leaves sscratch 0
  bnez t0, 1f
  addi t0, sp, FRAME_SIZE
  csrw sscratch, t0
1:
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
  lw sp, 2*4(sp)
  sret
