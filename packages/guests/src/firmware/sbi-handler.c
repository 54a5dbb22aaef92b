// SBI 2.0 subset: Base, TIME, DBCN, SRST and the legacy console calls. Everything
// else answers SBI_ERR_NOT_SUPPORTED.
#include "sbi-handler.h"
#include "platform.h"
#include "pv-test.h"
#include "riscv.h"
#include "sbi.h"
#include "uart.h"

extern char __firmware_start[], __firmware_end[];

void system_power_off(uint32_t failure_code) {
  mmio_write32(FINISHER_BASE, failure_code ? (failure_code << 16) | FINISHER_FAIL : FINISHER_PASS);
  for (;;) __asm__ volatile("wfi"); // a board without a finisher: stop here
}

static int extension_available(uint32_t eid) {
  switch (eid) {
  case SBI_EXT_BASE:
  case SBI_EXT_TIME:
  case SBI_EXT_DBCN:
  case SBI_EXT_SRST:
  case SBI_EXT_LEGACY_PUTCHAR:
  case SBI_EXT_LEGACY_GETCHAR:
    return 1;
  default:
    return PV_TEST_AVAILABLE && eid == SBI_EXT_HVRR_PV;
  }
}

static struct sbi_result base(uint32_t fid, uint32_t a0) {
  switch (fid) {
  case SBI_BASE_GET_SPEC_VERSION: return (struct sbi_result){SBI_SUCCESS, SBI_SPEC_VERSION_2_0};
  case SBI_BASE_GET_IMPL_ID: return (struct sbi_result){SBI_SUCCESS, FIRMWARE_IMPL_ID};
  case SBI_BASE_GET_IMPL_VERSION: return (struct sbi_result){SBI_SUCCESS, FIRMWARE_IMPL_VERSION};
  case SBI_BASE_PROBE_EXTENSION: return (struct sbi_result){SBI_SUCCESS, (uint32_t)extension_available(a0)};
  case SBI_BASE_GET_MVENDORID: return (struct sbi_result){SBI_SUCCESS, csr_read(mvendorid)};
  case SBI_BASE_GET_MARCHID: return (struct sbi_result){SBI_SUCCESS, csr_read(marchid)};
  case SBI_BASE_GET_MIMPID: return (struct sbi_result){SBI_SUCCESS, csr_read(mimpid)};
  default: return (struct sbi_result){SBI_ERR_NOT_SUPPORTED, 0};
  }
}

static void set_timer(uint32_t lo, uint32_t hi) {
  // Raise the high word first so the compare never sees a deadline earlier than
  // both the old and the new one.
  mmio_write32(CLINT_MTIMECMP + 4, 0xffffffffu);
  mmio_write32(CLINT_MTIMECMP, lo);
  mmio_write32(CLINT_MTIMECMP + 4, hi);
  csr_clear(mip, 1u << IRQ_S_TIMER);
  csr_set(mie, 1u << IRQ_M_TIMER);
}

// A DBCN buffer is a physical address; it may not reach past 4 GiB (a rv32 M-mode
// cannot address it) nor into the firmware's own memory.
static int buffer_ok(uint32_t len, uint32_t lo, uint32_t hi) {
  if (hi != 0 || lo + len < lo) return 0;
  uint32_t fw_lo = (uint32_t)__firmware_start, fw_hi = (uint32_t)__firmware_end;
  return len == 0 || lo + len <= fw_lo || lo >= fw_hi;
}

static struct sbi_result debug_console(uint32_t fid, uint32_t a0, uint32_t a1, uint32_t a2) {
  switch (fid) {
  case SBI_DBCN_WRITE: {
    if (!buffer_ok(a0, a1, a2)) return (struct sbi_result){SBI_ERR_INVALID_PARAM, 0};
    const volatile char *p = (const volatile char *)a1;
    for (uint32_t i = 0; i < a0; i++) uart_putc(p[i]);
    return (struct sbi_result){SBI_SUCCESS, a0};
  }
  case SBI_DBCN_READ: {
    if (!buffer_ok(a0, a1, a2)) return (struct sbi_result){SBI_ERR_INVALID_PARAM, 0};
    volatile char *p = (volatile char *)a1;
    uint32_t n = 0;
    for (int c; n < a0 && (c = uart_getc()) >= 0; n++) p[n] = (char)c;
    return (struct sbi_result){SBI_SUCCESS, n};
  }
  case SBI_DBCN_WRITE_BYTE:
    uart_putc((char)a0);
    return (struct sbi_result){SBI_SUCCESS, 0};
  default:
    return (struct sbi_result){SBI_ERR_NOT_SUPPORTED, 0};
  }
}

static struct sbi_result system_reset(uint32_t fid, uint32_t type, uint32_t reason) {
  if (fid != SBI_SRST_RESET) return (struct sbi_result){SBI_ERR_NOT_SUPPORTED, 0};
  if (type > SBI_SRST_TYPE_WARM_REBOOT && type < 0xf0000000u)
    return (struct sbi_result){SBI_ERR_INVALID_PARAM, 0};
  if (reason > SBI_SRST_REASON_FAILURE && reason < 0xe0000000u)
    return (struct sbi_result){SBI_ERR_INVALID_PARAM, 0};
  // The finisher can only power off; reboots are valid requests this board lacks.
  if (type != SBI_SRST_TYPE_SHUTDOWN) return (struct sbi_result){SBI_ERR_NOT_SUPPORTED, 0};
  system_power_off(reason == SBI_SRST_REASON_FAILURE ? 1 : 0);
}

void sbi_handle(struct trap_frame *frame) {
  uint32_t eid = frame->x[REG_A7], fid = frame->x[REG_A6];
  uint32_t a0 = frame->x[REG_A0], a1 = frame->x[REG_A1], a2 = frame->x[REG_A0 + 2];
  struct sbi_result r;
  switch (eid) {
  case SBI_EXT_LEGACY_PUTCHAR: // legacy calls return their only result in a0
    uart_putc((char)a0);
    frame->x[REG_A0] = 0;
    return;
  case SBI_EXT_LEGACY_GETCHAR:
    frame->x[REG_A0] = (uint32_t)uart_getc();
    return;
  case SBI_EXT_BASE: r = base(fid, a0); break;
  case SBI_EXT_TIME:
    if (fid == SBI_TIME_SET_TIMER) {
      set_timer(a0, a1);
      r = (struct sbi_result){SBI_SUCCESS, 0};
    } else {
      r = (struct sbi_result){SBI_ERR_NOT_SUPPORTED, 0};
    }
    break;
  case SBI_EXT_DBCN: r = debug_console(fid, a0, a1, a2); break;
  case SBI_EXT_SRST: r = system_reset(fid, a0, a1); break;
  default:
#ifdef FIRMWARE_PV_TEST
    if (eid == SBI_EXT_HVRR_PV) {
      r = pv_test_call(fid, a0, a1, a2);
      break;
    }
#endif
    r = (struct sbi_result){SBI_ERR_NOT_SUPPORTED, 0};
    break;
  }
  frame->x[REG_A0] = (uint32_t)r.error;
  frame->x[REG_A1] = r.value;
}
