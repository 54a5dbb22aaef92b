// The NS16550A console: polled, no interrupts, left as the board configured it.
#pragma once
#include <stdint.h>

void uart_putc(char c);
int uart_getc(void); // -1 when no byte is waiting
void uart_puts(const char *s);
void uart_put_hex(uint32_t value);
