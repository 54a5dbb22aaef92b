// printf-style formatting for the kernel and the user library.
#include "lib.h"

static int emit_number(format_emit emit, void *ctx, uint64_t value, unsigned base, int upper,
                       int negative, int width, char pad, int left) {
  char digits[24];
  const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  int n = 0;
  do {
    digits[n++] = set[value % base];
    value /= base;
  } while (value);
  int len = n + negative;
  int out = 0;
  if (negative && pad == '0') emit(ctx, "-", 1), out++;
  if (!left) {
    for (; len < width; width--) emit(ctx, &pad, 1), out++;
  }
  if (negative && pad != '0') emit(ctx, "-", 1), out++;
  while (n > 0) emit(ctx, &digits[--n], 1), out++;
  for (int i = len; left && i < width; i++) emit(ctx, " ", 1), out++;
  return out;
}

int format(format_emit emit, void *ctx, const char *fmt, va_list ap) {
  int out = 0;
  while (*fmt) {
    const char *run = fmt;
    while (*fmt && *fmt != '%') fmt++;
    if (fmt > run) emit(ctx, run, (size_t)(fmt - run)), out += (int)(fmt - run);
    if (!*fmt) break;
    fmt++;
    int left = 0, width = 0, longs = 0;
    char pad = ' ';
    for (;; fmt++) {
      if (*fmt == '-') left = 1;
      else if (*fmt == '0') pad = '0';
      else break;
    }
    if (left) pad = ' ';
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') longs++, fmt++;
    char conv = *fmt ? *fmt++ : 0;
    switch (conv) {
    case 'd':
    case 'i': {
      int64_t v = longs >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
      uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
      out += emit_number(emit, ctx, mag, 10, 0, v < 0, width, pad, left);
      break;
    }
    case 'u':
    case 'x':
    case 'X': {
      uint64_t v = longs >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
      out += emit_number(emit, ctx, v, conv == 'u' ? 10 : 16, conv == 'X', 0, width, pad, left);
      break;
    }
    case 'p':
      emit(ctx, "0x", 2), out += 2;
      out += emit_number(emit, ctx, (uintptr_t)va_arg(ap, void *), 16, 0, 0, 8, '0', 0);
      break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      if (!s) s = "(null)";
      int len = (int)strlen(s);
      for (int i = len; !left && i < width; i++) emit(ctx, " ", 1), out++;
      emit(ctx, s, (size_t)len), out += len;
      for (int i = len; left && i < width; i++) emit(ctx, " ", 1), out++;
      break;
    }
    case 'c': {
      char c = (char)va_arg(ap, int);
      emit(ctx, &c, 1), out++;
      break;
    }
    case '%':
      emit(ctx, "%", 1), out++;
      break;
    default: // unknown conversion: print it as written so the mistake is visible
      emit(ctx, "%", 1), out++;
      if (conv) emit(ctx, &conv, 1), out++;
      break;
    }
  }
  return out;
}

struct buffer {
  char *buf;
  size_t size, used;
};

static void emit_to_buffer(void *ctx, const char *s, size_t n) {
  struct buffer *b = ctx;
  for (size_t i = 0; i < n; i++) {
    if (b->used + 1 < b->size) b->buf[b->used] = s[i];
    b->used++;
  }
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  struct buffer b = {buf, size, 0};
  int n = format(emit_to_buffer, &b, fmt, ap);
  if (size > 0) buf[b.used < size ? b.used : size - 1] = 0;
  return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
