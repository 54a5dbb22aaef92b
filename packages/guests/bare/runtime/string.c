/* The memory functions clang may call for struct copies and array initialisation,
 * even when freestanding. -ffreestanding implies -fno-builtin, so these loops are
 * not themselves turned back into calls. */
#include <stddef.h>

void *memset(void *dest, int value, size_t n) {
  unsigned char *d = dest;
  while (n--) *d++ = (unsigned char)value;
  return dest;
}

void *memcpy(void *dest, const void *src, size_t n) {
  unsigned char *d = dest;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dest;
}

void *memmove(void *dest, const void *src, size_t n) {
  unsigned char *d = dest;
  const unsigned char *s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dest;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}
