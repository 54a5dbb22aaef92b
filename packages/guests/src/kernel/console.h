// The kernel's console: SBI debug console (DBCN), or the legacy putchar/getchar
// calls when the SBI has no DBCN. The kernel never touches the UART itself.
#pragma once
#include <stddef.h>
#include <stdint.h>

void console_init(void);
// buf must be a kernel address: the kernel maps RAM one to one, so it is also the
// physical address DBCN wants.
void console_write(const char *buf, size_t n);
// Returns how many bytes were read (0 when none are waiting); never blocks.
size_t console_read(char *buf, size_t n);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
