// The board the firmware runs on: QEMU's virt memory map, which hvrr reproduces.
#pragma once
#include <stdint.h>

#define UART_BASE 0x10000000u    /* NS16550A */
#define CLINT_BASE 0x02000000u   /* msip +0, mtimecmp +0x4000, mtime +0xBFF8 */
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000u)
#define CLINT_MTIME (CLINT_BASE + 0xBFF8u)
#define FINISHER_BASE 0x00100000u /* SiFive test finisher */
#define FINISHER_PASS 0x5555u
#define FINISHER_FAIL 0x3333u     /* (exit code << 16) | 0x3333 */

// The kernel is linked and loaded here; RAM below it belongs to the firmware.
#define KERNEL_ENTRY 0x80400000u

// What Base get_impl_id / get_impl_version report: not a registered SBI
// implementation id, "HVRF" (hvrr firmware), so it cannot be taken for one.
#define FIRMWARE_IMPL_ID 0x48565246u
#define FIRMWARE_IMPL_VERSION 1u

static inline void mmio_write32(uint32_t addr, uint32_t value) {
  *(volatile uint32_t *)addr = value;
}
static inline uint32_t mmio_read32(uint32_t addr) { return *(volatile uint32_t *)addr; }
static inline void mmio_write8(uint32_t addr, uint8_t value) { *(volatile uint8_t *)addr = value; }
static inline uint8_t mmio_read8(uint32_t addr) { return *(volatile uint8_t *)addr; }
