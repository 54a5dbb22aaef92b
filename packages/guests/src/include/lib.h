// The small C library shared by the kernel and the user programs: memory and
// string functions and a printf-style formatter. No state, no system calls.
#pragma once
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strchr(const char *s, int c);
int atoi(const char *s);

// format() calls emit with each piece of output. Supports %d %i %u %x %X %p %s %c %%
// with flags '-' and '0', a width, and the length modifiers l and ll.
typedef void (*format_emit)(void *ctx, const char *s, size_t n);
int format(format_emit emit, void *ctx, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
