// malloc: the seeds' example. malloc runs out of heap, calls brk, and the kernel
// extends the page table in reply; each time the break moves, this prints it.
#include "user.h"

#define BLOCKS 24
#define BLOCK_SIZE 1000

static char *last_break;

// Prints the break when it moved since the last look.
static void report_break(const char *after) {
  char *now = brk(0);
  if (now == last_break) return;
  printf("malloc: %s: brk moved the break %p -> %p (+%u page%s)\n", after, last_break, now,
         (unsigned)(now - last_break) / 4096, now - last_break == 4096 ? "" : "s");
  last_break = now;
}

int main(void) {
  last_break = brk(0);
  printf("malloc: the heap starts at the break, %p\n", last_break);
  char *blocks[BLOCKS];
  char what[48];
  for (int i = 0; i < BLOCKS; i++) {
    blocks[i] = malloc(BLOCK_SIZE);
    if (!blocks[i]) {
      printf("malloc: out of memory at block %d\n", i);
      return 1;
    }
    memset(blocks[i], 'a' + i, BLOCK_SIZE);
    snprintf(what, sizeof what, "block %d of %u bytes at %p", i, BLOCK_SIZE, (void *)blocks[i]);
    report_break(what);
  }
  for (int i = 0; i < BLOCKS; i++) {
    for (int j = 0; j < BLOCK_SIZE; j++) {
      if (blocks[i][j] != 'a' + i) {
        printf("malloc: block %d byte %d was overwritten\n", i, j);
        return 1;
      }
    }
  }
  printf("malloc: %d blocks of %d bytes hold their data\n", BLOCKS, BLOCK_SIZE);

  // Freed memory is reused before the heap grows again.
  for (int i = 0; i < BLOCKS; i += 2) free(blocks[i]);
  char *again = malloc(BLOCK_SIZE);
  printf("malloc: after freeing every other block, malloc(%d) reuses %p\n", BLOCK_SIZE, (void *)again);
  report_break("reuse");

  // One large request moves the break by many pages at once.
  char *big = malloc(64 * 1024);
  if (!big) {
    printf("malloc: malloc(65536) failed\n");
    return 1;
  }
  memset(big, 0x5a, 64 * 1024);
  snprintf(what, sizeof what, "malloc(65536) at %p", (void *)big);
  report_break(what);

  free(big);
  free(again);
  for (int i = 1; i < BLOCKS; i += 2) free(blocks[i]);
  char *all = malloc(BLOCKS * BLOCK_SIZE);
  printf("malloc: after freeing everything, malloc(%d) fits at %p without growing\n",
         BLOCKS * BLOCK_SIZE, (void *)all);
  report_break("the last malloc");
  printf("malloc: done, break at %p\n", brk(0));
  return 0;
}
