// The one way the kernel changes page tables. Every PTE write goes through
// pt_write with the PTE's own physical address, so it can be a plain store or,
// under pv=1 with hvrr's PV MMU extension, an entry in a batch of
// (gpa of the PTE word, new value) pairs applied by one mmu_update hypercall.
//
// Rules the rest of the kernel keeps, which a hypervisor may rely on:
// - A page becomes a page table only after page_alloc zeroed it, while it was
//   still free; from then on it is written only through pt_write.
// - Writes are applied in order; the batch is committed before anything reads an
//   entry it may hold (links to new tables are committed at once), before a
//   root switch or fence, and before the kernel returns to user mode.
// - A page-table page is freed only after every entry in it was cleared and the
//   clears committed, and never while it is the active root.
#pragma once
#include <stdint.h>

void pt_init(int want_pv);
int pt_using_pv(void);
void pt_write(uint32_t *pte, uint32_t value);
void pt_commit(void);
// Makes root_pa the active Sv32 root (satp or PV set_root) and flushes the TLB.
void pt_switch_root(uint32_t root_pa);
uint32_t pt_active_root(void);
// Commits pending writes and flushes the TLB (sfence.vma or PV flush).
void pt_fence(void);
void pt_print_stats(void);
