/* Sv32 from S-mode. M-mode builds a page table (identity superpages for RAM and the
 * UART, plus a 4 KiB-mapped window at 0x40000000), delegates page faults with medeleg
 * and enters S-mode by mret. S-mode then reads through the 4 KiB mapping, takes load,
 * store/AMO and instruction page faults in its stvec handler, watches the hardware set
 * A and D, checks SUM and MXR, remaps a page with sfence.vma, and ecalls back to M,
 * which ends the run. */
#include "console.h"
#include "finisher.h"
#include "platform.h"

#define PTE_V (1u << 0)
#define PTE_R (1u << 1)
#define PTE_W (1u << 2)
#define PTE_X (1u << 3)
#define PTE_U (1u << 4)
#define PTE_A (1u << 6)
#define PTE_D (1u << 7)
#define PTE_FLAGS 0x3ffu

#define PAGE_SIZE 4096u
#define SUPERPAGE_SHIFT 22
#define SATP_SV32 0x80000000u

#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15
#define CAUSE_ECALL_S 9
#define UNEXPECTED_TRAP_CODE 97

#define SENTINEL 0x5a5a5a5au

/* The 4 KiB-mapped window: one second-level table, page by page. */
#define WINDOW 0x40000000u
enum {
  SLOT_DATA,     /* RW, A and D preset; remapped later */
  SLOT_UNMAPPED, /* invalid PTE */
  SLOT_READONLY, /* R only */
  SLOT_FRESH,    /* RW with A and D clear: the walk sets them */
  SLOT_USER,     /* RW, U: S needs SUM */
  SLOT_EXECONLY, /* X only: S reads it only with MXR */
  SLOT_COUNT,
};
#define VA(slot) (WINDOW + (slot) * PAGE_SIZE)

static unsigned root[1024] __attribute__((aligned(PAGE_SIZE)));
static unsigned window_table[1024] __attribute__((aligned(PAGE_SIZE)));
static unsigned pages[SLOT_COUNT + 1][1024] __attribute__((aligned(PAGE_SIZE)));
#define REMAP_PAGE SLOT_COUNT /* the spare page SLOT_DATA is moved to */

unsigned s_load(unsigned va);
unsigned s_store(unsigned va, unsigned value);
unsigned s_amoadd(unsigned va, unsigned value);
unsigned s_fetch(unsigned va);
extern const char fault_s_load[], fault_s_store[], fault_s_amoadd[], fault_s_fetch[];

/* Set by s_fetch, whose fault has no next instruction to resume at. */
volatile unsigned s_resume;

static volatile unsigned s_traps;
static volatile unsigned last_scause, last_stval, last_sepc, last_spp;
static int failures;

static unsigned leaf(const void *pa, unsigned flags) {
  return ((unsigned)pa >> 12) << 10 | flags;
}

static unsigned superpage(unsigned pa, unsigned flags) { return (pa >> 12) << 10 | flags; }

static void check(int ok, const char *what) {
  if (!ok) {
    failures++;
    console_printf("CHECK FAILED %s\n", what);
  }
}

/* ---- S-mode ---- */

__attribute__((interrupt("supervisor"))) static void s_trap(void) {
  unsigned sepc = CSR_READ(sepc);
  last_scause = CSR_READ(scause);
  last_stval = CSR_READ(stval);
  last_sepc = sepc;
  last_spp = (CSR_READ(sstatus) & MSTATUS_SPP) != 0;
  s_traps++;
  CSR_WRITE(sepc, s_resume ? s_resume : sepc + 4);
  s_resume = 0;
}

/* Runs one faulting access and prints what the S handler saw. */
static void expect_fault(const char *what, unsigned result, unsigned before, unsigned cause,
                         unsigned va, const char *fault_at) {
  unsigned sepc_offset = last_sepc - (unsigned)fault_at;
  console_printf("%s: scause=%u stval=%08x sepc=fault+%u spp=%u rd=%08x\n", what, last_scause,
                 last_stval, sepc_offset, last_spp, result);
  check(s_traps == before + 1, what);
  check(last_scause == cause && last_stval == va && sepc_offset == 0 && last_spp == 1, what);
}

#define FAULT(what, call, cause, va, fault_at)                        \
  do {                                                                \
    unsigned before_ = s_traps;                                       \
    unsigned result_ = call;                                          \
    expect_fault(what, result_, before_, cause, va, fault_at);        \
  } while (0)

static unsigned pte_flags(unsigned slot) { return window_table[slot] & PTE_FLAGS; }

static void s_main(void) {
  console_printf("S-mode: satp.MODE=%u\n", CSR_READ(satp) >> 31);

  unsigned value = s_load(VA(SLOT_DATA));
  console_printf("load %08x (4K page): %08x\n", VA(SLOT_DATA), value);
  check(value == 0xcafe0000, "4K read");
  s_store(VA(SLOT_DATA) + 4, 0x600df00d);
  console_printf("store via %08x, read back at the physical page: %08x\n", VA(SLOT_DATA) + 4,
                 pages[SLOT_DATA][1]);
  check(pages[SLOT_DATA][1] == 0x600df00d, "4K write");

  FAULT("load unmapped", s_load(VA(SLOT_UNMAPPED) + 8), CAUSE_LOAD_PAGE_FAULT,
        VA(SLOT_UNMAPPED) + 8, fault_s_load);
  FAULT("store unmapped", s_store(VA(SLOT_UNMAPPED) + 12, 1), CAUSE_STORE_PAGE_FAULT,
        VA(SLOT_UNMAPPED) + 12, fault_s_store);
  FAULT("fetch unmapped", s_fetch(VA(SLOT_UNMAPPED)), CAUSE_FETCH_PAGE_FAULT, VA(SLOT_UNMAPPED),
        (const char *)VA(SLOT_UNMAPPED));
  FAULT("store read-only", s_store(VA(SLOT_READONLY), 1), CAUSE_STORE_PAGE_FAULT,
        VA(SLOT_READONLY), fault_s_store);
  FAULT("amoadd read-only", s_amoadd(VA(SLOT_READONLY) + 4, 1), CAUSE_STORE_PAGE_FAULT,
        VA(SLOT_READONLY) + 4, fault_s_amoadd);
  value = s_load(VA(SLOT_READONLY));
  console_printf("load read-only: %08x\n", value);
  check(value == 0xcafe0002, "read-only read");

  /* The page-table walk sets A on any access and D on a store. */
  unsigned fresh = pte_flags(SLOT_FRESH);
  s_load(VA(SLOT_FRESH));
  unsigned after_load = pte_flags(SLOT_FRESH);
  s_store(VA(SLOT_FRESH), 5);
  unsigned after_store = pte_flags(SLOT_FRESH);
  console_printf("A/D: pte flags %02x, after load %02x, after store %02x\n", fresh, after_load,
                 after_store);
  check(fresh == (PTE_V | PTE_R | PTE_W) && after_load == (fresh | PTE_A) &&
            after_store == (fresh | PTE_A | PTE_D),
        "A/D update");

  FAULT("load U page, SUM=0", s_load(VA(SLOT_USER)), CAUSE_LOAD_PAGE_FAULT, VA(SLOT_USER),
        fault_s_load);
  CSR_SET(sstatus, MSTATUS_SUM);
  value = s_load(VA(SLOT_USER));
  CSR_CLEAR(sstatus, MSTATUS_SUM);
  console_printf("load U page, SUM=1: %08x\n", value);
  check(value == 0xcafe0004, "SUM read");

  FAULT("load X-only page, MXR=0", s_load(VA(SLOT_EXECONLY)), CAUSE_LOAD_PAGE_FAULT,
        VA(SLOT_EXECONLY), fault_s_load);
  CSR_SET(sstatus, MSTATUS_MXR);
  value = s_load(VA(SLOT_EXECONLY));
  CSR_CLEAR(sstatus, MSTATUS_MXR);
  console_printf("load X-only page, MXR=1: %08x\n", value);
  check(value == 0xcafe0005, "MXR read");

  /* Move the data page, then flush that one address. */
  window_table[SLOT_DATA] = leaf(pages[REMAP_PAGE], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
  __asm__ volatile("sfence.vma %0, zero" ::"r"(VA(SLOT_DATA)) : "memory");
  value = s_load(VA(SLOT_DATA));
  console_printf("after remap and sfence.vma: load %08x: %08x\n", VA(SLOT_DATA), value);
  check(value == 0xcafe0006, "remap");

  console_printf("S-mode: %u page faults, %d failed; ecall to M\n", s_traps, failures);
  /* M reads s_traps and failures itself: memory is identity-mapped. */
  __asm__ volatile("ecall" ::: "memory");
  /* Not reached: M ends the run. */
  for (;;) {
  }
}

/* ---- M-mode ---- */

#define EXPECTED_S_TRAPS 7

__attribute__((interrupt("machine"))) static void m_trap(void) {
  unsigned mcause = CSR_READ(mcause);
  unsigned mpp = (CSR_READ(mstatus) & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
  if (mcause != CAUSE_ECALL_S) {
    console_printf("M: unexpected trap: mcause=%08x mepc=%08x mtval=%08x\n", mcause,
                   CSR_READ(mepc), CSR_READ(mtval));
    finish(UNEXPECTED_TRAP_CODE);
  }
  console_printf("M: ecall from S: mcause=%u mpp=%u, S took %u page faults, %d failed\n", mcause,
                 mpp, s_traps, failures);
  int ok = failures == 0 && s_traps == EXPECTED_S_TRAPS && mpp == 1;
  console_printf("smode: %s\n", ok ? "pass" : "FAIL");
  finish(ok ? 0 : 1);
}

int main(void) {
  console_printf("smode: Sv32 with S-mode page-fault handling\n");
  for (unsigned slot = 0; slot <= SLOT_COUNT; slot++) pages[slot][0] = 0xcafe0000 + slot;

  root[UART_BASE >> SUPERPAGE_SHIFT] =
      superpage(UART_BASE, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
  for (unsigned pa = 0x80000000u; pa < 0x80800000u; pa += 1u << SUPERPAGE_SHIFT) {
    root[pa >> SUPERPAGE_SHIFT] = superpage(pa, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
  }
  root[WINDOW >> SUPERPAGE_SHIFT] = leaf(window_table, PTE_V);
  window_table[SLOT_DATA] = leaf(pages[SLOT_DATA], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
  window_table[SLOT_READONLY] = leaf(pages[SLOT_READONLY], PTE_V | PTE_R | PTE_A);
  window_table[SLOT_FRESH] = leaf(pages[SLOT_FRESH], PTE_V | PTE_R | PTE_W);
  window_table[SLOT_USER] = leaf(pages[SLOT_USER], PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
  window_table[SLOT_EXECONLY] = leaf(pages[SLOT_EXECONLY], PTE_V | PTE_X | PTE_A);

  /* One PMP region over everything, so S-mode accesses are allowed (NAPOT, RWX). */
  CSR_WRITE(pmpaddr0, 0xffffffff);
  CSR_WRITE(pmpcfg0, 0x1f);

  unsigned delegated = (1u << CAUSE_FETCH_PAGE_FAULT) | (1u << CAUSE_LOAD_PAGE_FAULT) |
                       (1u << CAUSE_STORE_PAGE_FAULT);
  CSR_WRITE(medeleg, delegated);
  console_printf("M: medeleg=%08x\n", CSR_READ(medeleg));
  CSR_WRITE(mtvec, (unsigned)m_trap);
  CSR_WRITE(stvec, (unsigned)s_trap);
  CSR_WRITE(satp, SATP_SV32 | ((unsigned)root >> 12));
  __asm__ volatile("sfence.vma" ::: "memory");

  unsigned mstatus = CSR_READ(mstatus);
  mstatus = (mstatus & ~MSTATUS_MPP) | (1u << MSTATUS_MPP_SHIFT);
  CSR_WRITE(mstatus, mstatus);
  CSR_WRITE(mepc, (unsigned)s_main);
  __asm__ volatile("mret");
  return 1; /* not reached */
}
