/* A polling console on the NS16550A UART, with printf-like formatting. */
#ifndef BARE_CONSOLE_H
#define BARE_CONSOLE_H

void console_putc(char c);
void console_puts(const char *s);
/* Understands %d %u %x %s %c %%, with an optional '0' flag and width (e.g. %08x). */
__attribute__((format(printf, 1, 2))) void console_printf(const char *fmt, ...);

#endif
