/* Each probe provokes one synchronous exception (or, for the misaligned accesses that
 * complete, none). The label fault_NAME marks the instruction expected in mepc; the M
 * handler in traps.c resumes at the next instruction, or at trap_resume when a probe
 * stores one (the fetch fault has no next instruction). Every probe returns a0, which
 * the probes that fault preset to a sentinel to show rd was not written. */
  .text

#define SENTINEL 0x5a5a5a5a

  .macro probe name
  .balign 4
  .globl probe_\name, fault_\name
probe_\name:
  .endm

  probe illegal_zero
  li a0, SENTINEL
fault_illegal_zero:
  .word 0x00000000
  ret

  /* Writing a read-only CSR is illegal even with x0 as the source of csrrw. */
  probe illegal_csr_write
  li a0, SENTINEL
fault_illegal_csr_write:
  csrw mhartid, zero
  ret

  /* 0x7ff is in the custom M-mode range, unimplemented here and in QEMU. */
  probe illegal_csr_read
  li a0, SENTINEL
fault_illegal_csr_read:
  csrr a0, 0x7ff
  ret

  probe ecall
  li a0, SENTINEL
fault_ecall:
  ecall
  ret

  probe ebreak
  li a0, SENTINEL
fault_ebreak:
  ebreak
  ret

  /* Without the C extension a target that is 2 mod 4 raises instruction-address-
   * misaligned on the jump itself: mepc is the jump, mtval the target, rd unwritten. */
  probe jalr_misaligned
  li a0, SENTINEL
  la t0, misaligned_target
fault_jalr_misaligned:
  jalr a0, 2(t0)
  ret

  probe jal_misaligned
  li a0, SENTINEL
fault_jal_misaligned:
  jal a0, misaligned_target_2
  ret

  probe branch_taken_misaligned
  li a0, SENTINEL
fault_branch_taken_misaligned:
  beq zero, zero, misaligned_target_2
  ret

  /* A branch that is not taken checks nothing about its target. */
  probe branch_not_taken_misaligned
  li a0, SENTINEL
fault_branch_not_taken_misaligned:
  bne zero, zero, misaligned_target_2
  ret

  /* Nothing is mapped at address 0 on the virt board. */
  probe load_access
  li a0, SENTINEL
fault_load_access:
  lw a0, 0(zero)
  ret

  probe store_access
  li a0, SENTINEL
  li t0, 0x12345678
fault_store_access:
  sw t0, 0(zero)
  ret

  probe fetch_access
  li a0, SENTINEL
  la t0, 1f
  la t1, trap_resume
  sw t0, 0(t1)
fault_fetch_access:
  jalr zero, 0(zero)
1:
  ret

  /* LR and AMOs must be naturally aligned: LR raises load-address-misaligned and AMOs
   * store/AMO-address-misaligned, with mtval the address. */
  probe lr_misaligned
  li a0, SENTINEL
  la t0, misaligned_data
  addi t0, t0, 2
fault_lr_misaligned:
  lr.w a0, (t0)
  ret

  probe amo_misaligned
  li a0, SENTINEL
  la t0, misaligned_data
  addi t0, t0, 2
  li t1, 1
fault_amo_misaligned:
  amoadd.w a0, t1, (t0)
  ret

  .balign 4
  .globl misaligned_target
misaligned_target:
  /* Never executed: every jump here is to misaligned_target_2, 2 bytes in. */
  .half 0
misaligned_target_2:
  .half 0
  .word 0

  .data
  .balign 16
  .globl misaligned_data
misaligned_data:
  .word 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c
