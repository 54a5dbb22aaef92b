#include <stdarg.h>

#include "console.h"
#include "platform.h"

#define UART_THR 0 /* transmit holding register (write) */
#define UART_LSR 5 /* line status register */
#define LSR_THRE (1u << 5) /* transmit holding register empty */

void console_putc(char c) {
  while ((MMIO8(UART_BASE + UART_LSR) & LSR_THRE) == 0) {
  }
  MMIO8(UART_BASE + UART_THR) = (unsigned char)c;
}

void console_puts(const char *s) {
  while (*s) console_putc(*s++);
}

static void put_padded(const char *digits, int length, int width, char pad) {
  for (int i = length; i < width; i++) console_putc(pad);
  for (int i = 0; i < length; i++) console_putc(digits[i]);
}

static void put_unsigned(unsigned value, unsigned base, int negative, int width, char pad) {
  char buffer[12];
  int length = 0;
  do {
    unsigned digit = value % base;
    buffer[sizeof buffer - 1 - length++] = (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);
    value /= base;
  } while (value != 0);
  if (negative) {
    if (pad == '0') {
      /* The sign goes before zero padding: -0042, not 00-42. */
      console_putc('-');
      width--;
    } else {
      buffer[sizeof buffer - 1 - length++] = '-';
    }
  }
  put_padded(buffer + sizeof buffer - length, length, width, pad);
}

void console_printf(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      console_putc(*fmt);
      continue;
    }
    fmt++;
    char pad = ' ';
    int width = 0;
    if (*fmt == '0') {
      pad = '0';
      fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    switch (*fmt) {
      case 'd': {
        int value = va_arg(args, int);
        /* Negate as unsigned so INT_MIN has a magnitude. */
        unsigned magnitude = value < 0 ? 0u - (unsigned)value : (unsigned)value;
        put_unsigned(magnitude, 10, value < 0, width, pad);
        break;
      }
      case 'u':
        put_unsigned(va_arg(args, unsigned), 10, 0, width, pad);
        break;
      case 'x':
        put_unsigned(va_arg(args, unsigned), 16, 0, width, pad);
        break;
      case 'c': {
        char c = (char)va_arg(args, int);
        put_padded(&c, 1, width, ' ');
        break;
      }
      case 's': {
        const char *s = va_arg(args, const char *);
        int length = 0;
        while (s[length]) length++;
        put_padded(s, length, width, ' ');
        break;
      }
      case '%':
        console_putc('%');
        break;
      case '\0':
        fmt--; /* a lone '%' at the end: stop at the terminator */
        break;
      default:
        console_putc('%');
        console_putc(*fmt);
        break;
    }
  }
  va_end(args);
}
