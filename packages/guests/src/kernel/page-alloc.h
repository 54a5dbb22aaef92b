// Physical page frames for page tables and process memory.
#pragma once
#include <stdint.h>
#include "boot-info.h"

// Adds [base, end) (page-aligned) to the pool. Call in ascending address order.
void page_pool_add(uint32_t base, uint32_t end);
// A zeroed 4 KiB page (its physical address, which is also its kernel address), or 0.
uint32_t page_alloc(void);
void page_free(uint32_t pa);
uint32_t page_free_count(void);
