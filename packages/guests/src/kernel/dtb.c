// A reader for the flattened device tree (devicetree spec v0.4, chapter 5): walks the
// structure block once and keeps the few properties the kernel needs. It runs before
// paging, on the physical address the firmware passed.
#include "boot-info.h"
#include "lib.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define MAX_DEPTH 16

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void add_range(struct mem_range *list, int *count, uint64_t base, uint64_t size) {
  if (size == 0 || base >= 0x100000000ull || *count == BOOT_MAX_RANGES) return;
  uint64_t end = base + size;
  if (end > 0x100000000ull) end = 0x100000000ull;
  // An end of exactly 4 GiB is kept as 0xfffff000 so it fits in 32 bits.
  if (end == 0x100000000ull) end = 0xfffff000ull;
  list[*count].base = (uint32_t)base;
  list[*count].end = (uint32_t)end;
  (*count)++;
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < cells; i++) v = (v << 32) | be32(p + 4 * i);
  return v;
}

// Adds each (address, size) pair of a reg property.
static void add_reg(struct mem_range *list, int *count, const uint8_t *reg, uint32_t len,
                    uint32_t address_cells, uint32_t size_cells) {
  uint32_t entry = 4 * (address_cells + size_cells);
  if (entry == 0 || address_cells > 2 || size_cells > 2) return;
  for (uint32_t off = 0; off + entry <= len; off += entry) {
    add_range(list, count, read_cells(reg + off, address_cells),
              read_cells(reg + off + 4 * address_cells, size_cells));
  }
}

struct node {
  const char *name;
  uint32_t child_address_cells, child_size_cells; // as this node declares for its children
  const uint8_t *reg;
  uint32_t reg_len;
  int is_memory;
};

int dtb_parse(uint32_t dtb, struct boot_info *info) {
  const uint8_t *fdt = (const uint8_t *)dtb;
  memset(info, 0, sizeof *info);
  if (be32(fdt) != FDT_MAGIC) return -1;
  uint32_t total = be32(fdt + 4);
  const uint8_t *structure = fdt + be32(fdt + 8);
  const char *strings = (const char *)fdt + be32(fdt + 12);
  const uint8_t *reserve_map = fdt + be32(fdt + 16);
  info->timebase_hz = 10000000; // QEMU virt's; used only when the tree omits it

  // The tree itself stays in use until parsing is over and may lie in usable RAM.
  add_range(info->reserved, &info->reserved_count, dtb, total);
  for (const uint8_t *r = reserve_map; info->reserved_count < BOOT_MAX_RANGES; r += 16) {
    uint64_t base = read_cells(r, 2), size = read_cells(r + 8, 2);
    if (base == 0 && size == 0) break;
    add_range(info->reserved, &info->reserved_count, base, size);
  }

  struct node stack[MAX_DEPTH];
  int depth = -1; // stack[0] is the root node
  const uint8_t *p = structure;
  for (;;) {
    uint32_t token = be32(p);
    p += 4;
    if (token == FDT_BEGIN_NODE) {
      const char *name = (const char *)p;
      p += (strlen(name) + 1 + 3) & ~3u;
      if (++depth >= MAX_DEPTH) return -1;
      stack[depth] = (struct node){name, 2, 1, 0, 0, 0}; // the spec's defaults
    } else if (token == FDT_END_NODE) {
      if (depth < 0) return -1;
      struct node *n = &stack[depth];
      struct node *parent = depth > 0 ? &stack[depth - 1] : 0;
      int memory_name = strcmp(n->name, "memory") == 0 || strncmp(n->name, "memory@", 7) == 0;
      if (depth == 1 && (n->is_memory || memory_name) && n->reg) {
        add_reg(info->memory, &info->memory_count, n->reg, n->reg_len, parent->child_address_cells,
                parent->child_size_cells);
      }
      if (depth == 2 && strcmp(stack[1].name, "reserved-memory") == 0 && n->reg) {
        add_reg(info->reserved, &info->reserved_count, n->reg, n->reg_len,
                parent->child_address_cells, parent->child_size_cells);
      }
      depth--;
    } else if (token == FDT_PROP) {
      uint32_t len = be32(p), nameoff = be32(p + 4);
      const uint8_t *value = p + 8;
      p += 8 + ((len + 3) & ~3u);
      if (depth < 0) return -1;
      const char *prop = strings + nameoff;
      struct node *n = &stack[depth];
      if (strcmp(prop, "#address-cells") == 0 && len == 4) n->child_address_cells = be32(value);
      else if (strcmp(prop, "#size-cells") == 0 && len == 4) n->child_size_cells = be32(value);
      else if (strcmp(prop, "reg") == 0) n->reg = value, n->reg_len = len;
      else if (strcmp(prop, "device_type") == 0 && strcmp((const char *)value, "memory") == 0)
        n->is_memory = 1;
      else if (strcmp(prop, "bootargs") == 0 && depth == 1 && strcmp(n->name, "chosen") == 0)
        strncpy(info->bootargs, (const char *)value,
                len < sizeof info->bootargs ? len + 1 : sizeof info->bootargs);
      else if (strcmp(prop, "timebase-frequency") == 0 && len == 4 &&
               (strcmp(n->name, "cpus") == 0 || strncmp(n->name, "cpu@", 4) == 0))
        info->timebase_hz = be32(value);
    } else if (token == FDT_NOP) {
      continue;
    } else if (token == FDT_END) {
      return 0;
    } else {
      return -1;
    }
  }
}
