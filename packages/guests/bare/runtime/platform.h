/* The QEMU virt board as the bare programs see it, and CSR access helpers. */
#ifndef BARE_PLATFORM_H
#define BARE_PLATFORM_H

#define FINISHER_BASE 0x00100000u /* SiFive test finisher */
#define CLINT_BASE 0x02000000u
#define CLINT_MSIP (CLINT_BASE + 0x0000u)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000u)
#define CLINT_MTIME (CLINT_BASE + 0xbff8u)
#define UART_BASE 0x10000000u /* NS16550A */

#define MMIO32(addr) (*(volatile unsigned *)(addr))
#define MMIO8(addr) (*(volatile unsigned char *)(addr))

/* Cause codes from the privileged specification. */
#define CAUSE_INTERRUPT 0x80000000u
#define IRQ_S_SOFT 1
#define IRQ_M_SOFT 3
#define IRQ_S_TIMER 5
#define IRQ_M_TIMER 7

#define MSTATUS_SIE (1u << 1)
#define MSTATUS_MIE (1u << 3)
#define MSTATUS_SPIE (1u << 5)
#define MSTATUS_MPIE (1u << 7)
#define MSTATUS_SPP (1u << 8)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP (3u << MSTATUS_MPP_SHIFT)
#define MSTATUS_SUM (1u << 18)
#define MSTATUS_MXR (1u << 19)

#define CSR_READ(csr)                                                  \
  ({                                                                   \
    unsigned csr_value_;                                               \
    __asm__ volatile("csrr %0, " #csr : "=r"(csr_value_)::"memory");   \
    csr_value_;                                                        \
  })
#define CSR_WRITE(csr, value) \
  __asm__ volatile("csrw " #csr ", %0" ::"r"((unsigned)(value)) : "memory")
#define CSR_SET(csr, bits) \
  __asm__ volatile("csrs " #csr ", %0" ::"r"((unsigned)(bits)) : "memory")
#define CSR_CLEAR(csr, bits) \
  __asm__ volatile("csrc " #csr ", %0" ::"r"((unsigned)(bits)) : "memory")

#endif
