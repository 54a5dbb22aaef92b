/**
 * Names of VM exit reasons, as --stats reports them in `exits.byReason` and exit events
 * carry them (docs/hypervisor.md lists them with their resolutions).
 */
export const EXIT_REASON_BY_CAUSE: Record<number, string> = {
  8: 'ecall_from_vu',
  10: 'sbi',
  20: 'guest_page_fault_fetch',
  21: 'guest_page_fault_load',
  22: 'virtual_instruction',
  23: 'guest_page_fault_store',
};

export function exitReason(cause: number, interrupt: boolean): string {
  if (interrupt) return 'interrupt';
  return EXIT_REASON_BY_CAUSE[cause] ?? `exception_${cause}`;
}
