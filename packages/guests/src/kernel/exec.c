#include "exec.h"
#include "console.h"
#include "elf.h"
#include "layout.h"
#include "lib.h"
#include "page-alloc.h"
#include "programs.h"
#include "pt-write.h"
#include "riscv.h"
#include "vm.h"

static const struct program *find_program(const char *name) {
  for (const struct program *p = builtin_programs; p->name; p++) {
    if (strcmp(p->name, name) == 0) return p;
  }
  return 0;
}

void exec_list_programs(void) {
  kprintf("kernel: built-in programs:");
  for (const struct program *p = builtin_programs; p->name; p++) kprintf(" %s", p->name);
  kprintf("\n");
}

// Maps one PT_LOAD segment into fresh pages. Segments must not share pages
// (user.ld aligns them), so every page is new.
static int load_segment(uint32_t root, const struct program *prog, const struct elf32_phdr *ph) {
  if (ph->filesz > ph->memsz || ph->offset > prog->size || ph->filesz > prog->size - ph->offset)
    return -1;
  if (ph->vaddr < USER_BASE || ph->memsz > USER_LOAD_LIMIT - ph->vaddr) return -1;
  uint32_t flags = PTE_U;
  if (ph->flags & PF_R) flags |= PTE_R;
  if (ph->flags & PF_W) flags |= PTE_W | PTE_R;
  if (ph->flags & PF_X) flags |= PTE_X;
  uint32_t end = ph->vaddr + ph->memsz;
  for (uint32_t va = PAGE_ROUND_DOWN(ph->vaddr); va < end; va += PAGE_SIZE) {
    uint32_t pa = page_alloc();
    if (!pa) return -1;
    // The part of [va, va + page) that comes from the file; the rest stays zero.
    uint32_t from = va > ph->vaddr ? va : ph->vaddr;
    uint32_t to = va + PAGE_SIZE < ph->vaddr + ph->filesz ? va + PAGE_SIZE : ph->vaddr + ph->filesz;
    if (to > from) memcpy((void *)(pa + (from - va)), prog->elf + ph->offset + (from - ph->vaddr), to - from);
    if (vm_map(root, va, pa, flags) < 0) {
      page_free(pa);
      return -1;
    }
  }
  pt_commit();
  return 0;
}

static int load_program(uint32_t root, const struct program *prog, uint32_t *entry, uint32_t *end) {
  const struct elf32_header *eh = (const struct elf32_header *)prog->elf;
  if (prog->size < sizeof *eh || eh->magic != ELF_MAGIC || eh->elf_class != ELFCLASS32 ||
      eh->data != ELFDATA2LSB || eh->type != ET_EXEC || eh->machine != EM_RISCV ||
      eh->phentsize != sizeof(struct elf32_phdr) || eh->phoff > prog->size ||
      eh->phnum > (prog->size - eh->phoff) / sizeof(struct elf32_phdr))
    return -1;
  const struct elf32_phdr *ph = (const struct elf32_phdr *)(prog->elf + eh->phoff);
  *end = 0;
  for (int i = 0; i < eh->phnum; i++) {
    if (ph[i].type != PT_LOAD || ph[i].memsz == 0) continue;
    if (load_segment(root, prog, &ph[i]) < 0) return -1;
    if (ph[i].vaddr + ph[i].memsz > *end) *end = ph[i].vaddr + ph[i].memsz;
  }
  *entry = eh->entry;
  return *end ? 0 : -1;
}

// Maps the stack and writes argc/argv at its top the way crt0 expects: the strings,
// then argv[0..argc] (NULL-terminated), sp 16-byte aligned pointing at argv[0].
static int build_stack(uint32_t root, int argc, const char *const argv[], uint32_t *sp_out,
                       uint32_t *argv_out) {
  uint32_t top_page = 0;
  for (uint32_t va = USER_STACK_BOTTOM; va < USER_STACK_TOP; va += PAGE_SIZE) {
    uint32_t pa = page_alloc();
    if (!pa) return -1;
    if (vm_map(root, va, pa, PTE_U | PTE_R | PTE_W) < 0) {
      page_free(pa);
      return -1;
    }
    top_page = pa;
  }
  pt_commit();
  // The top stack page is written through its kernel address: va = USER_STACK_TOP - PAGE_SIZE + off.
  uint32_t off = PAGE_SIZE;
  uint32_t uargv[EXEC_MAX_ARGS + 1];
  for (int i = argc - 1; i >= 0; i--) {
    uint32_t len = strlen(argv[i]) + 1;
    off -= len;
    memcpy((void *)(top_page + off), argv[i], len);
    uargv[i] = USER_STACK_TOP - PAGE_SIZE + off;
  }
  uargv[argc] = 0;
  off = (off - 4 * (uint32_t)(argc + 1)) & ~15u;
  memcpy((void *)(top_page + off), uargv, 4 * (uint32_t)(argc + 1));
  *sp_out = *argv_out = USER_STACK_TOP - PAGE_SIZE + off;
  return 0;
}

int exec_into(struct proc *p, const char *name, int argc, const char *const argv[]) {
  const struct program *prog = find_program(name);
  if (!prog || argc > EXEC_MAX_ARGS) return -1;
  uint32_t bytes = 0;
  for (int i = 0; i < argc; i++) bytes += strlen(argv[i]) + 1;
  if (bytes > EXEC_MAX_ARG_BYTES) return -1;

  uint32_t root = vm_create(), entry = 0, end = 0, sp = 0, uargv = 0;
  if (!root || load_program(root, prog, &entry, &end) < 0 ||
      build_stack(root, argc, argv, &sp, &uargv) < 0) {
    if (root) vm_free(root);
    return -1;
  }
  // Past this point exec cannot fail: switch to the new space, drop the old one.
  uint32_t old = p->root;
  p->root = root;
  if (p == current) pt_switch_root(root);
  if (old && old != kernel_root) vm_free(old);
  p->heap_start = p->brk = PAGE_ROUND_UP(end);
  strncpy(p->name, name, sizeof p->name);
  struct trap_frame *f = p->frame;
  memset(f, 0, sizeof *f);
  f->sepc = entry;
  f->x[REG_SP] = sp;
  f->x[REG_A0] = (uint32_t)argc;
  f->x[REG_A1] = uargv;
  // Return to U-mode (SPP = 0) with interrupts enabled there (SPIE = 1).
  f->sstatus = (csr_read(sstatus) & ~(STATUS_SPP | STATUS_SIE)) | STATUS_SPIE;
  return 0;
}
