/** Privilege levels as encoded in xPP fields and the hart's current mode. */
export const PRIV_U = 0;
export const PRIV_S = 1;
export const PRIV_M = 3;

/** mstatus bits (RV32). */
export const MSTATUS_SIE = 1 << 1;
export const MSTATUS_MIE = 1 << 3;
export const MSTATUS_SPIE = 1 << 5;
export const MSTATUS_UBE = 1 << 6;
export const MSTATUS_MPIE = 1 << 7;
export const MSTATUS_SPP = 1 << 8;
export const MSTATUS_MPP_SHIFT = 11;
export const MSTATUS_MPP = 3 << 11;
export const MSTATUS_MPRV = 1 << 17;
export const MSTATUS_SUM = 1 << 18;
export const MSTATUS_MXR = 1 << 19;
export const MSTATUS_TVM = 1 << 20;
export const MSTATUS_TW = 1 << 21;
export const MSTATUS_TSR = 1 << 22;

/** mstatush bits (RV32, H extension). */
export const MSTATUSH_GVA = 1 << 6;
export const MSTATUSH_MPV = 1 << 7;

/** hstatus bits (RV32). VSBE stays zero (little-endian only) and VGEIN zero (GEILEN = 0). */
export const HSTATUS_GVA = 1 << 6;
export const HSTATUS_SPV = 1 << 7;
export const HSTATUS_SPVP = 1 << 8;
export const HSTATUS_HU = 1 << 9;
export const HSTATUS_VTVM = 1 << 20;
export const HSTATUS_VTW = 1 << 21;
export const HSTATUS_VTSR = 1 << 22;

/** Interrupt numbers (bits of mip/mie). */
export const IRQ_SSI = 1;
export const IRQ_MSI = 3;
export const IRQ_STI = 5;
export const IRQ_MTI = 7;
export const IRQ_SEI = 9;
export const IRQ_MEI = 11;
export const IRQ_VSSI = 2;
export const IRQ_VSTI = 6;
export const IRQ_VSEI = 10;
export const IRQ_SGEI = 12;
/** The VS-level interrupts (VSSI, VSTI, VSEI): always delegated past M (mideleg reads one there). */
export const VS_INTERRUPTS = (1 << 2) | (1 << 6) | (1 << 10);

/** Exception codes (mcause with the interrupt bit clear). */
export const EXC_INSN_MISALIGNED = 0;
export const EXC_INSN_ACCESS = 1;
export const EXC_ILLEGAL = 2;
export const EXC_BREAKPOINT = 3;
export const EXC_LOAD_MISALIGNED = 4;
export const EXC_LOAD_ACCESS = 5;
export const EXC_STORE_MISALIGNED = 6;
export const EXC_STORE_ACCESS = 7;
export const EXC_ECALL_U = 8;
export const EXC_ECALL_S = 9;
export const EXC_ECALL_VS = 10;
export const EXC_ECALL_M = 11;
export const EXC_INSN_PAGE_FAULT = 12;
export const EXC_LOAD_PAGE_FAULT = 13;
export const EXC_STORE_PAGE_FAULT = 15;
export const EXC_INSN_GUEST_PAGE_FAULT = 20;
export const EXC_LOAD_GUEST_PAGE_FAULT = 21;
export const EXC_VIRTUAL_INSTRUCTION = 22;
export const EXC_STORE_GUEST_PAGE_FAULT = 23;

/** The privileged spec's names, in snake_case, as --stats-json reports them. */
export const EXCEPTION_NAMES: Record<number, string> = {
  0: 'instruction_address_misaligned',
  1: 'instruction_access_fault',
  2: 'illegal_instruction',
  3: 'breakpoint',
  4: 'load_address_misaligned',
  5: 'load_access_fault',
  6: 'store_amo_address_misaligned',
  7: 'store_amo_access_fault',
  8: 'environment_call_from_u_mode',
  9: 'environment_call_from_s_mode',
  10: 'environment_call_from_vs_mode',
  11: 'environment_call_from_m_mode',
  12: 'instruction_page_fault',
  13: 'load_page_fault',
  15: 'store_amo_page_fault',
  20: 'instruction_guest_page_fault',
  21: 'load_guest_page_fault',
  22: 'virtual_instruction',
  23: 'store_amo_guest_page_fault',
};

export const INTERRUPT_NAMES: Record<number, string> = {
  1: 'supervisor_software_interrupt',
  2: 'virtual_supervisor_software_interrupt',
  3: 'machine_software_interrupt',
  5: 'supervisor_timer_interrupt',
  6: 'virtual_supervisor_timer_interrupt',
  7: 'machine_timer_interrupt',
  9: 'supervisor_external_interrupt',
  10: 'virtual_supervisor_external_interrupt',
  11: 'machine_external_interrupt',
  12: 'supervisor_guest_external_interrupt',
};

export function causeName(cause: number, interrupt: boolean): string {
  return (interrupt ? INTERRUPT_NAMES[cause] : EXCEPTION_NAMES[cause]) ?? `${interrupt ? 'interrupt' : 'exception'}_${cause}`;
}
