// Pages are handed out first from never-used ranges (a bump pointer), then from a
// list of freed pages. Untouched RAM stays untouched: a host that backs guest RAM
// lazily (hvrr's host paging) only ever sees the pages the kernel really uses.
#include "page-alloc.h"
#include "console.h"
#include "lib.h"
#include "riscv.h"

static struct mem_range pool[BOOT_MAX_RANGES];
static int pool_count, pool_next;
static uint32_t free_list; // physical address of the first freed page; each holds the next
static uint32_t free_pages;

void page_pool_add(uint32_t base, uint32_t end) {
  if (end <= base) return;
  if (pool_count == BOOT_MAX_RANGES) panic("too many memory ranges");
  pool[pool_count++] = (struct mem_range){base, end};
  free_pages += (end - base) / PAGE_SIZE;
}

static void page_zero(uint32_t pa) {
  uint32_t *w = (uint32_t *)pa;
  for (uint32_t i = 0; i < PAGE_SIZE / 4; i += 4) w[i] = w[i + 1] = w[i + 2] = w[i + 3] = 0;
}

uint32_t page_alloc(void) {
  uint32_t pa = 0;
  if (free_list) {
    pa = free_list;
    free_list = *(uint32_t *)pa;
  } else {
    while (pool_next < pool_count && pool[pool_next].base >= pool[pool_next].end) pool_next++;
    if (pool_next == pool_count) return 0;
    pa = pool[pool_next].base;
    pool[pool_next].base += PAGE_SIZE;
  }
  free_pages--;
  page_zero(pa);
  return pa;
}

void page_free(uint32_t pa) {
  if (pa & (PAGE_SIZE - 1)) panic("page_free(0x%08x): not a page", pa);
  *(uint32_t *)pa = free_list;
  free_list = pa;
  free_pages++;
}

uint32_t page_free_count(void) { return free_pages; }
