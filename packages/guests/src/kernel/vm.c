#include "vm.h"
#include "console.h"
#include "layout.h"
#include "lib.h"
#include "page-alloc.h"
#include "pt-write.h"
#include "riscv.h"

uint32_t kernel_root;

// Kernel mappings: global, and A and D preset because the kernel never relies on
// hardware (or a hypervisor) to set them.
#define KERNEL_LEAF (PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D)

static uint32_t *root_entries(uint32_t root) { return (uint32_t *)root; }

// The slot of va's leaf PTE in root's tables; allocates the second-level table
// when alloc is set. 0 when there is no table (or va lies in a megapage).
static uint32_t *pte_slot(uint32_t root, uint32_t va, int alloc) {
  uint32_t *link = &root_entries(root)[SV32_VPN1(va)];
  if (*link & PTE_V) {
    if (*link & PTE_LEAF) return 0;
    return (uint32_t *)PTE_PA(*link) + SV32_VPN0(va);
  }
  if (!alloc) return 0;
  uint32_t table = page_alloc();
  if (!table) return 0;
  pt_write(link, PTE_MAKE(table, PTE_V)); // non-leaf: no R/W/X, no A/D/U
  pt_commit(); // the next walk reads this link back
  return (uint32_t *)table + SV32_VPN0(va);
}

void vm_init(const struct mem_range *ram, int count) {
  kernel_root = page_alloc();
  if (!kernel_root) panic("no memory for the kernel page table");
  for (int i = 0; i < count; i++) {
    uint32_t a = PAGE_ROUND_UP(ram[i].base), end = PAGE_ROUND_DOWN(ram[i].end);
    while (a < end) {
      if ((a & (SV32_MEGAPAGE - 1)) == 0 && end - a >= SV32_MEGAPAGE) {
        pt_write(&root_entries(kernel_root)[SV32_VPN1(a)], PTE_MAKE(a, KERNEL_LEAF));
        a += SV32_MEGAPAGE;
      } else {
        uint32_t *slot = pte_slot(kernel_root, a, 1);
        if (!slot) panic("no memory for the kernel page table");
        pt_write(slot, PTE_MAKE(a, KERNEL_LEAF));
        a += PAGE_SIZE;
      }
      if (a == 0) break; // wrapped at the top of the address space
    }
  }
  pt_switch_root(kernel_root);
}

uint32_t vm_create(void) {
  uint32_t root = page_alloc();
  if (!root) return 0;
  for (uint32_t i = USER_ROOT_ENTRIES; i < 1024; i++) {
    uint32_t e = root_entries(kernel_root)[i];
    if (e) pt_write(&root_entries(root)[i], e);
  }
  // No commit needed yet: walks of user addresses never read the kernel half.
  return root;
}

int vm_map(uint32_t root, uint32_t va, uint32_t pa, uint32_t flags) {
  uint32_t *slot = pte_slot(root, va, 1);
  if (!slot) return -1;
  if (*slot & PTE_V) panic("vm_map: 0x%08x is already mapped", va);
  pt_write(slot, PTE_MAKE(pa, flags | PTE_V | PTE_A | PTE_D));
  return 0;
}

uint32_t vm_unmap(uint32_t root, uint32_t va) {
  uint32_t *slot = pte_slot(root, va, 0);
  if (!slot || !(*slot & PTE_V)) return 0;
  uint32_t pa = PTE_PA(*slot);
  pt_write(slot, 0);
  return pa;
}

int vm_copy(uint32_t dst, uint32_t src) {
  for (uint32_t i = 0; i < USER_ROOT_ENTRIES; i++) {
    uint32_t link = root_entries(src)[i];
    if (!(link & PTE_V)) continue;
    const uint32_t *table = (const uint32_t *)PTE_PA(link);
    for (uint32_t j = 0; j < 1024; j++) {
      uint32_t pte = table[j];
      if (!(pte & PTE_V)) continue;
      uint32_t pa = page_alloc();
      if (!pa) return -1;
      memcpy((void *)pa, (const void *)PTE_PA(pte), PAGE_SIZE);
      if (vm_map(dst, (i << 22) | (j << 12), pa, pte & (PTE_R | PTE_W | PTE_X | PTE_U)) < 0) {
        page_free(pa);
        return -1;
      }
    }
  }
  pt_commit();
  return 0;
}

// Second-level tables of the root being freed: they go back to the allocator only
// after the batch clearing them is committed. Static: the kernel is not preempted.
static uint32_t dead_tables[USER_ROOT_ENTRIES];

void vm_free(uint32_t root) {
  if (root == pt_active_root()) panic("vm_free: root 0x%08x is active", root);
  uint32_t *entries = root_entries(root);
  uint32_t dead = 0;
  for (uint32_t i = 0; i < USER_ROOT_ENTRIES; i++) {
    uint32_t link = entries[i];
    if (!(link & PTE_V)) continue;
    uint32_t *table = (uint32_t *)PTE_PA(link);
    for (uint32_t j = 0; j < 1024; j++) {
      if (!(table[j] & PTE_V)) continue;
      page_free(PTE_PA(table[j]));
      pt_write(&table[j], 0);
    }
    pt_write(&entries[i], 0);
    dead_tables[dead++] = (uint32_t)table;
  }
  // Clear the kernel half too, so a page table goes back to the allocator all zero.
  for (uint32_t i = USER_ROOT_ENTRIES; i < 1024; i++) {
    if (entries[i]) pt_write(&entries[i], 0);
  }
  pt_commit();
  while (dead > 0) page_free(dead_tables[--dead]);
  page_free(root);
}

uint32_t vm_user_pages(uint32_t root) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < USER_ROOT_ENTRIES; i++) {
    uint32_t link = root_entries(root)[i];
    if (!(link & PTE_V)) continue;
    const uint32_t *table = (const uint32_t *)PTE_PA(link);
    for (uint32_t j = 0; j < 1024; j++) n += table[j] & PTE_V;
  }
  return n;
}

// The kernel address of user byte uva if the process may access it (write or read).
static uint8_t *user_byte(uint32_t root, uint32_t uva, int write) {
  if (uva >= USER_STACK_TOP) return 0;
  uint32_t *slot = pte_slot(root, uva, 0);
  if (!slot) return 0;
  uint32_t pte = *slot;
  uint32_t need = PTE_V | PTE_U | (write ? PTE_W : PTE_R);
  if ((pte & need) != need) return 0;
  return (uint8_t *)(PTE_PA(pte) | (uva & (PAGE_SIZE - 1)));
}

int copy_to_user(uint32_t root, uint32_t uva, const void *src, uint32_t n) {
  const uint8_t *s = src;
  while (n > 0) {
    uint8_t *d = user_byte(root, uva, 1);
    if (!d) return -1;
    uint32_t chunk = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
    if (chunk > n) chunk = n;
    memcpy(d, s, chunk);
    s += chunk, uva += chunk, n -= chunk;
  }
  return 0;
}

int copy_from_user(uint32_t root, void *dst, uint32_t uva, uint32_t n) {
  uint8_t *d = dst;
  while (n > 0) {
    const uint8_t *s = user_byte(root, uva, 0);
    if (!s) return -1;
    uint32_t chunk = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
    if (chunk > n) chunk = n;
    memcpy(d, s, chunk);
    d += chunk, uva += chunk, n -= chunk;
  }
  return 0;
}

int copy_string_from_user(uint32_t root, char *dst, uint32_t uva, uint32_t max) {
  for (uint32_t i = 0; i < max; i++) {
    const uint8_t *s = user_byte(root, uva + i, 0);
    if (!s) return -1;
    dst[i] = (char)*s;
    if (!*s) return (int)i;
  }
  return -1;
}
