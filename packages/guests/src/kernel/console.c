#include "console.h"
#include "lib.h"
#include "sbi-call.h"

static int has_dbcn;

void console_init(void) { has_dbcn = sbi_probe(SBI_EXT_DBCN); }

void console_write(const char *buf, size_t n) {
  while (has_dbcn && n > 0) {
    struct sbiret r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, (uint32_t)n, (uint32_t)buf, 0);
    if (r.error != SBI_SUCCESS) break; // fall back to the byte-at-a-time call
    buf += r.value;
    n -= r.value;
  }
  for (; n > 0; n--) sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (uint8_t)*buf++, 0, 0);
}

size_t console_read(char *buf, size_t n) {
  if (n == 0) return 0;
  if (has_dbcn) {
    struct sbiret r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, (uint32_t)n, (uint32_t)buf, 0);
    return r.error == SBI_SUCCESS ? r.value : 0;
  }
  struct sbiret r = sbi_call(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0, 0);
  if ((int32_t)r.error < 0) return 0; // legacy getchar returns the byte or -1 in a0
  buf[0] = (char)r.error;
  return 1;
}

// kprintf collects a whole message and writes it with one call, so a line never
// arrives at the console in pieces.
static char line[256];
static size_t line_used;

static void emit_to_line(void *ctx, const char *s, size_t n) {
  (void)ctx;
  for (size_t i = 0; i < n; i++) {
    if (line_used == sizeof line) console_write(line, line_used), line_used = 0;
    line[line_used++] = s[i];
  }
}

static void vkprintf(const char *fmt, va_list ap) {
  line_used = 0;
  format(emit_to_line, 0, fmt, ap);
  console_write(line, line_used);
  line_used = 0;
}

void kprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vkprintf(fmt, ap);
  va_end(ap);
}

void panic(const char *fmt, ...) {
  va_list ap;
  kprintf("kernel: panic: ");
  va_start(ap, fmt);
  vkprintf(fmt, ap);
  va_end(ap);
  kprintf("\n");
  sbi_shutdown(1);
}
