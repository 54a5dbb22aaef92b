// printf collects its output and writes it with one system call (more only when it
// outgrows the buffer), so lines from different processes do not interleave.
#include "user.h"

struct out {
  char buf[256];
  size_t used;
};

static void emit(void *ctx, const char *s, size_t n) {
  struct out *o = ctx;
  for (size_t i = 0; i < n; i++) {
    if (o->used == sizeof o->buf) write(1, o->buf, o->used), o->used = 0;
    o->buf[o->used++] = s[i];
  }
}

int printf(const char *fmt, ...) {
  struct out o;
  o.used = 0;
  va_list ap;
  va_start(ap, fmt);
  int n = format(emit, &o, fmt, ap);
  va_end(ap);
  if (o.used) write(1, o.buf, o.used);
  return n;
}

int puts(const char *s) { return printf("%s\n", s); }
