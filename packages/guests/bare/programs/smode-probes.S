/* Accesses that S-mode code in smode.c makes through Sv32, each a function whose
 * faulting instruction carries a label, so the S handler can check sepc. A probe
 * returns a0, preset to a sentinel where a fault must leave rd unwritten. */
  .text

#define SENTINEL 0x5a5a5a5a

  .macro probe name
  .balign 4
  .globl \name, fault_\name
\name:
  .endm

  /* unsigned s_load(unsigned va) */
  probe s_load
  mv t0, a0
  li a0, SENTINEL
fault_s_load:
  lw a0, 0(t0)
  ret

  /* unsigned s_store(unsigned va, unsigned value): returns 0 */
  probe s_store
fault_s_store:
  sw a1, 0(a0)
  li a0, 0
  ret

  /* unsigned s_amoadd(unsigned va, unsigned value): returns the old value */
  probe s_amoadd
  mv t0, a0
  li a0, SENTINEL
fault_s_amoadd:
  amoadd.w a0, a1, (t0)
  ret

  /* unsigned s_fetch(unsigned va): jumps to va; the handler resumes at s_resume */
  probe s_fetch
  mv t0, a0
  li a0, SENTINEL
  la t1, 1f
  la t2, s_resume
  sw t1, 0(t2)
fault_s_fetch:
  jalr zero, 0(t0)
1:
  ret
