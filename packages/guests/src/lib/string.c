// Memory and string functions. The compiler also calls memset/memcpy on its own
// (struct copies), so these are the real implementations, not wrappers.
#include "lib.h"

void *memset(void *dst, int c, size_t n) {
  uint8_t *d = dst;
  // Word stores once aligned: zeroing pages is one of the kernel's hot paths.
  uint32_t word = (uint8_t)c * 0x01010101u;
  while (n > 0 && ((uintptr_t)d & 3)) {
    *d++ = (uint8_t)c;
    n--;
  }
  for (; n >= 4; n -= 4, d += 4) *(volatile uint32_t *)d = word;
  while (n-- > 0) *d++ = (uint8_t)c;
  return dst;
}

void *memcpy(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) {
    for (; n >= 4; n -= 4, d += 4, s += 4) *(volatile uint32_t *)d = *(const uint32_t *)s;
  }
  while (n-- > 0) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if (d <= s || d >= s + n) return memcpy(dst, src, n);
  while (n-- > 0) d[n] = s[n];
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *x = a, *y = b;
  for (size_t i = 0; i < n; i++) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

int strcmp(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return (uint8_t)*a - (uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
  for (; n > 0; n--, a++, b++) {
    if (*a != *b) return (uint8_t)*a - (uint8_t)*b;
    if (!*a) return 0;
  }
  return 0;
}

char *strcpy(char *dst, const char *src) {
  char *d = dst;
  while ((*d++ = *src++)) {
  }
  return dst;
}

// Unlike the standard one, always terminates dst (when n > 0) and does not pad.
char *strncpy(char *dst, const char *src, size_t n) {
  size_t i = 0;
  if (n == 0) return dst;
  for (; i + 1 < n && src[i]; i++) dst[i] = src[i];
  dst[i] = 0;
  return dst;
}

char *strchr(const char *s, int c) {
  for (;; s++) {
    if (*s == (char)c) return (char *)s;
    if (!*s) return 0;
  }
}

int atoi(const char *s) {
  int sign = 1, v = 0;
  while (*s == ' ') s++;
  if (*s == '-') sign = -1, s++;
  else if (*s == '+') s++;
  for (; *s >= '0' && *s <= '9'; s++) v = v * 10 + (*s - '0');
  return sign * v;
}
