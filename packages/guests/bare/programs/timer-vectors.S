/* The vectored-mode table for timer.c: with mtvec.MODE = 1 an interrupt with cause n
 * enters at base + 4n; synchronous exceptions enter at base. */
  .text
  .balign 64
  .globl timer_vector_table
timer_vector_table:
  j unexpected_trap_entry  /* 0: exceptions */
  j unexpected_trap_entry  /* 1: supervisor software */
  j unexpected_trap_entry  /* 2 */
  j vectored_software      /* 3: machine software */
  j unexpected_trap_entry  /* 4 */
  j unexpected_trap_entry  /* 5: supervisor timer */
  j unexpected_trap_entry  /* 6 */
  j vectored_timer         /* 7: machine timer */
  j unexpected_trap_entry  /* 8 */
  j unexpected_trap_entry  /* 9: supervisor external */
  j unexpected_trap_entry  /* 10 */
  j unexpected_trap_entry  /* 11: machine external */
