// A first-fit allocator over a free list kept in address order, with neighbours
// merged on free. When no free block fits, it moves the break up with brk by
// whole pages: the kernel maps the new pages in reply.
#include "user.h"

struct block {
  size_t size;        // bytes in the block, header included; a multiple of 8
  struct block *next; // next free block (only while free)
};

#define HEADER 8 // the size word, padded so payloads are 8-byte aligned
#define PAGE 4096

static struct block *free_list;
static char *heap_end;

static void insert_free(struct block *b) {
  struct block **link = &free_list;
  while (*link && *link < b) link = &(*link)->next;
  b->next = *link;
  *link = b;
  // Merge with the following block, then with the preceding one.
  if (b->next && (char *)b + b->size == (char *)b->next) {
    b->size += b->next->size;
    b->next = b->next->next;
  }
  if (link != &free_list) {
    struct block *prev = (struct block *)((char *)link - offsetof(struct block, next));
    if ((char *)prev + prev->size == (char *)b) {
      prev->size += b->size;
      prev->next = b->next;
    }
  }
}

static int grow(size_t need) {
  if (!heap_end) heap_end = brk(0);
  size_t bytes = (need + PAGE - 1) & ~(size_t)(PAGE - 1);
  char *want = heap_end + bytes;
  char *got = brk(want);
  if (got != want) return -1;
  struct block *b = (struct block *)heap_end;
  b->size = bytes;
  heap_end = got;
  insert_free(b);
  return 0;
}

void *malloc(size_t size) {
  if (size == 0 || size > 0x40000000u) return 0;
  size_t need = (size + HEADER + 7) & ~(size_t)7;
  for (int attempt = 0; attempt < 2; attempt++) {
    for (struct block **link = &free_list; *link; link = &(*link)->next) {
      struct block *b = *link;
      if (b->size < need) continue;
      if (b->size - need >= 16) { // split: the tail stays free
        struct block *rest = (struct block *)((char *)b + need);
        rest->size = b->size - need;
        rest->next = b->next;
        *link = rest;
        b->size = need;
      } else {
        *link = b->next;
      }
      return (char *)b + HEADER;
    }
    // The last free block may end at the break: ask only for what it lacks.
    size_t missing = need;
    struct block *last = free_list;
    while (last && last->next) last = last->next;
    if (last && (char *)last + last->size == heap_end) missing = need - last->size;
    if (grow(missing) < 0) return 0;
  }
  return 0;
}

void free(void *p) {
  if (p) insert_free((struct block *)((char *)p - HEADER));
}

void *calloc(size_t count, size_t size) {
  if (size && count > 0xffffffffu / size) return 0;
  void *p = malloc(count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

void *realloc(void *p, size_t size) {
  if (!p) return malloc(size);
  size_t old = ((struct block *)((char *)p - HEADER))->size - HEADER;
  if (size <= old) return p;
  void *q = malloc(size);
  if (q) {
    memcpy(q, p, old);
    free(p);
  }
  return q;
}
