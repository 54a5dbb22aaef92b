// Sv32 address spaces: the kernel's own, and one per process.
#pragma once
#include <stdint.h>
#include "boot-info.h"

extern uint32_t kernel_root;

// Builds kernel_root, mapping each range one to one (kernel only) and switches to it.
void vm_init(const struct mem_range *ram, int count);
// A new root holding the kernel's mappings and no user pages; 0 when out of memory.
uint32_t vm_create(void);
// Maps the page at va to pa with PTE flags (V, A and D are added); -1 when out of memory.
int vm_map(uint32_t root, uint32_t va, uint32_t pa, uint32_t flags);
// Unmaps va; returns the physical page it mapped (not freed), or 0.
uint32_t vm_unmap(uint32_t root, uint32_t va);
// Copies every user page of src into fresh pages mapped the same way in dst (fork).
int vm_copy(uint32_t dst, uint32_t src);
// Frees every user page and page table of root, and root itself. root must not be active.
void vm_free(uint32_t root);
// Counts the user pages mapped in root.
uint32_t vm_user_pages(uint32_t root);

// Accesses to user memory by the kernel, checked against the process's page table
// (U set, and W for writes) instead of trusting the pointer: a bad pointer makes
// the system call fail, never the kernel fault. Return 0 or -1.
int copy_to_user(uint32_t root, uint32_t uva, const void *src, uint32_t n);
int copy_from_user(uint32_t root, void *dst, uint32_t uva, uint32_t n);
// Copies a NUL-terminated string of at most max - 1 chars; returns its length or -1.
int copy_string_from_user(uint32_t root, char *dst, uint32_t uva, uint32_t max);
