// memtouch [KiB]: grows the heap by KiB (default 4096), writes every word of it,
// reads every word back and checks it, then shrinks the heap back.
#include "user.h"

static uint32_t pattern(uint32_t i) { return (i * 2654435761u) ^ 0xa5a5a5a5u ^ (i >> 7); }

int main(int argc, char **argv) {
  uint32_t kib = argc > 1 ? (uint32_t)atoi(argv[1]) : 4096;
  uint32_t bytes = kib * 1024;
  uint32_t *mem = sbrk((int)bytes);
  if (mem == (void *)-1) {
    printf("memtouch: sbrk(%u) failed\n", bytes);
    return 1;
  }
  uint32_t words = bytes / 4;
  for (uint32_t i = 0; i < words; i++) mem[i] = pattern(i);
  uint32_t wrong = 0;
  for (uint32_t i = 0; i < words; i++) wrong += mem[i] != pattern(i);
  printf("memtouch: %u KiB at %p: %u pages, %u words written and read back, %u wrong\n", kib, (void *)mem,
         bytes / 4096, words, wrong);
  // Give it all back: the kernel unmaps and frees the pages.
  char *before = sbrk(-(int)bytes);
  char *after = brk(0);
  printf("memtouch: sbrk(-%u) moved the break %p -> %p\n", bytes, (void *)before, (void *)after);
  return wrong != 0 || after != (char *)mem;
}
