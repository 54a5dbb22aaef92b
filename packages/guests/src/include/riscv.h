// RISC-V privileged-architecture constants (privileged spec 1.12) and CSR access,
// shared by the firmware, the kernel and the user library.
#pragma once
#include <stdint.h>

#define PAGE_SIZE 4096u
#define PAGE_SHIFT 12
#define PAGE_ROUND_UP(a) (((a) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(a) ((a) & ~(PAGE_SIZE - 1))

#define csr_read(csr)                                        \
  ({                                                         \
    uint32_t csr_value_;                                     \
    __asm__ volatile("csrr %0, " #csr : "=r"(csr_value_));   \
    csr_value_;                                              \
  })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"rK"(v) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"rK"(v) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"rK"(v) : "memory")

// mstatus / sstatus fields
#define STATUS_SIE (1u << 1)
#define STATUS_MIE (1u << 3)
#define STATUS_SPIE (1u << 5)
#define STATUS_MPIE (1u << 7)
#define STATUS_SPP (1u << 8)
#define STATUS_MPP_SHIFT 11
#define STATUS_MPP_MASK (3u << STATUS_MPP_SHIFT)
#define STATUS_MPP_S (1u << STATUS_MPP_SHIFT)
#define STATUS_MPP_M (3u << STATUS_MPP_SHIFT)
#define STATUS_SUM (1u << 18)

// Interrupt numbers (bit positions in mip/mie/mideleg and mcause codes)
#define IRQ_S_SOFT 1
#define IRQ_M_SOFT 3
#define IRQ_S_TIMER 5
#define IRQ_M_TIMER 7
#define IRQ_S_EXT 9
#define IRQ_M_EXT 11
#define CAUSE_INTERRUPT (1u << 31)

// Exception codes
#define EXC_INSN_MISALIGNED 0
#define EXC_INSN_ACCESS 1
#define EXC_ILLEGAL_INSN 2
#define EXC_BREAKPOINT 3
#define EXC_LOAD_MISALIGNED 4
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS 7
#define EXC_ECALL_U 8
#define EXC_ECALL_S 9
#define EXC_ECALL_M 11
#define EXC_INSN_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15

// Sv32 page-table entries
#define PTE_V (1u << 0)
#define PTE_R (1u << 1)
#define PTE_W (1u << 2)
#define PTE_X (1u << 3)
#define PTE_U (1u << 4)
#define PTE_G (1u << 5)
#define PTE_A (1u << 6)
#define PTE_D (1u << 7)
#define PTE_LEAF (PTE_R | PTE_W | PTE_X)
#define PTE_FLAGS 0x3ffu
#define PTE_PA(pte) (((pte) >> 10) << PAGE_SHIFT)
#define PTE_MAKE(pa, flags) ((((pa) >> PAGE_SHIFT) << 10) | (flags))
#define SV32_VPN1(va) ((va) >> 22)
#define SV32_VPN0(va) (((va) >> 12) & 0x3ffu)
#define SV32_MEGAPAGE (1u << 22)
#define SATP_SV32 (1u << 31)

// Counter-enable bits (mcounteren / scounteren)
#define COUNTEREN_CY (1u << 0)
#define COUNTEREN_TM (1u << 1)
#define COUNTEREN_IR (1u << 2)

// The 64-bit time CSR on rv32: read high, low, high again so a carry between
// the two halves cannot produce a value that never existed.
static inline uint64_t read_time(void) {
  uint32_t hi, lo, hi2;
  do {
    __asm__ volatile("rdtimeh %0" : "=r"(hi));
    __asm__ volatile("rdtime %0" : "=r"(lo));
    __asm__ volatile("rdtimeh %0" : "=r"(hi2));
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}
