#include "uart.h"
#include "platform.h"

#define UART_RBR 0 /* receive buffer (read) */
#define UART_THR 0 /* transmit holding (write) */
#define UART_LSR 5 /* line status */
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

void uart_putc(char c) {
  while (!(mmio_read8(UART_BASE + UART_LSR) & LSR_THR_EMPTY)) {
  }
  mmio_write8(UART_BASE + UART_THR, (uint8_t)c);
}

int uart_getc(void) {
  if (!(mmio_read8(UART_BASE + UART_LSR) & LSR_DATA_READY)) return -1;
  return mmio_read8(UART_BASE + UART_RBR);
}

void uart_puts(const char *s) {
  while (*s) uart_putc(*s++);
}

void uart_put_hex(uint32_t value) {
  uart_puts("0x");
  for (int shift = 28; shift >= 0; shift -= 4) uart_putc("0123456789abcdef"[(value >> shift) & 15]);
}
