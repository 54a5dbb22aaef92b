// The M-mode firmware: prepares the hart for an S-mode kernel, enters it, and then
// handles every trap that reaches M-mode: SBI calls, the machine timer, and
// exceptions that belong to the kernel but were not delegated.
#include "platform.h"
#include "riscv.h"
#include "sbi-handler.h"
#include "trap-frame.h"
#include "uart.h"

// Set while the firmware touches CSRs a core may not implement (PMP is optional):
// an illegal-instruction trap from M-mode then skips the instruction.
static volatile int probing_optional_csr;

static void fatal(const char *what, uint32_t cause, uint32_t epc, uint32_t tval) {
  uart_puts("firmware: fatal: ");
  uart_puts(what);
  uart_puts(" mcause ");
  uart_put_hex(cause);
  uart_puts(" mepc ");
  uart_put_hex(epc);
  uart_puts(" mtval ");
  uart_put_hex(tval);
  uart_puts("\n");
  system_power_off(1);
}

void firmware_main(uint32_t hartid, uint32_t dtb) {
  uart_puts("firmware: hvrr rv32 SBI firmware, entering the S-mode kernel at ");
  uart_put_hex(KERNEL_ENTRY);
  uart_puts("\n");

  // Exceptions an S-mode kernel handles itself. Everything else still arrives
  // here and is handed to the kernel by redirect_to_supervisor().
  csr_write(medeleg, (1u << EXC_INSN_MISALIGNED) | (1u << EXC_BREAKPOINT) | (1u << EXC_ECALL_U) |
                         (1u << EXC_INSN_PAGE_FAULT) | (1u << EXC_LOAD_PAGE_FAULT) |
                         (1u << EXC_STORE_PAGE_FAULT));
  csr_write(mideleg, (1u << IRQ_S_SOFT) | (1u << IRQ_S_TIMER) | (1u << IRQ_S_EXT));

  // With PMP implemented and no entry matching, S- and U-mode accesses fail:
  // one NAPOT entry over the whole address space grants everything.
  probing_optional_csr = 1;
  csr_write(pmpaddr0, 0xffffffffu);
  csr_write(pmpcfg0, 0x1fu); // A = NAPOT, X, W, R
  probing_optional_csr = 0;

  // S and U may read time, cycle and instret directly.
  csr_write(mcounteren, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR);

  // No timer deadline until the kernel asks for one.
  mmio_write32(CLINT_MTIMECMP + 4, 0xffffffffu);
  mmio_write32(CLINT_MTIMECMP, 0xffffffffu);
  csr_write(mie, 0);
  csr_write(satp, 0);
  enter_supervisor(hartid, dtb, KERNEL_ENTRY);
}

// Delivers an exception that came from S or U mode to the kernel's trap vector,
// exactly as if medeleg had sent it there.
static void redirect_to_supervisor(uint32_t cause, uint32_t epc, uint32_t tval) {
  uint32_t mstatus = csr_read(mstatus);
  uint32_t stvec = csr_read(stvec);
  if (stvec == 0) fatal("exception before the kernel set stvec:", cause, epc, tval);
  csr_write(scause, cause);
  csr_write(sepc, epc);
  csr_write(stval, tval);
  int from_supervisor = (mstatus & STATUS_MPP_MASK) == STATUS_MPP_S;
  mstatus &= ~(STATUS_SPP | STATUS_SPIE | STATUS_SIE | STATUS_MPP_MASK);
  if (from_supervisor) mstatus |= STATUS_SPP;
  if (csr_read(sstatus) & STATUS_SIE) mstatus |= STATUS_SPIE;
  mstatus |= STATUS_MPP_S;
  csr_write(mstatus, mstatus);
  csr_write(mepc, stvec & ~3u); // exceptions go to the base even in vectored mode
}

void firmware_trap(struct trap_frame *frame) {
  uint32_t cause = csr_read(mcause);
  uint32_t epc = csr_read(mepc);
  if (cause & CAUSE_INTERRUPT) {
    if ((cause & ~CAUSE_INTERRUPT) == IRQ_M_TIMER) {
      // The kernel's deadline passed: raise its timer interrupt and stay quiet
      // until it sets the next one.
      csr_set(mip, 1u << IRQ_S_TIMER);
      csr_clear(mie, 1u << IRQ_M_TIMER);
      return;
    }
    fatal("unexpected interrupt", cause, epc, csr_read(mtval));
  }
  uint32_t from = csr_read(mstatus) & STATUS_MPP_MASK;
  if (from == STATUS_MPP_M) {
    if (cause == EXC_ILLEGAL_INSN && probing_optional_csr) {
      csr_write(mepc, epc + 4);
      return;
    }
    fatal("exception in the firmware", cause, epc, csr_read(mtval));
  }
  if (cause == EXC_ECALL_S) {
    sbi_handle(frame);
    csr_write(mepc, epc + 4);
    return;
  }
  redirect_to_supervisor(cause, epc, csr_read(mtval));
}
