/**
 * How a VM's guest-physical memory is virtualized: the one interface every strategy
 * implements (`nested` now; `shadow` and `pv` next). The hypervisor's exit handlers ask
 * the strategy about every guest-page fault and page-table event; the strategy owns the
 * mapping of guest-physical pages to machine frames and the detection of guest
 * page-table writes (ptw, defined in docs/hypervisor.md).
 */
export interface MemoryStrategy {
  readonly name: StrategyName;
  /** hgatp while this VM runs (0: the strategy does not use the G stage). */
  readonly hgatp: number;
  /** hstatus bits the strategy needs while the VM runs (VTVM to see vsatp writes...). */
  readonly hstatusBits: number;

  /**
   * Machine address of guest-physical `gpa`, backing its page with a frame on first
   * use (RAM only); -1 when gpa is not the VM's RAM.
   */
  machineAddress(gpa: number): number;

  /**
   * A guest-page fault (cause 20, 21 or 23) on `gpa`, from a guest instruction's own
   * access or from the VS-stage walk reading or updating a PTE (htinst holds a
   * pseudoinstruction then).
   *  - 'mapped': the page is backed now (or the walk's A/D update was done): retry it;
   *  - 'table-store': an explicit store to a write-protected page-table page: the
   *    hypervisor emulates it through storeToTable;
   *  - 'outside': gpa is not the VM's RAM (MMIO or nothing).
   */
  guestPageFault(cause: number, gpa: number, origin: GuestAccessOrigin): 'mapped' | 'table-store' | 'outside';

  /**
   * Emulates a guest store of `size` bytes at `gpa` (RAM) that landed on a page-table
   * page; returns the old and new values of the containing aligned word, for the ptw event.
   */
  storeToTable(gpa: number, size: 1 | 2 | 4, value: number): { wordGpa: number; old: number; new: number };

  /** The guest loaded a new root into vsatp (or changed mode): re-derive what is a table. */
  rootChanged(vsatp: number): void;

  /** Whether guest page `gpn` is a page-table page of the guest right now. */
  isTablePage(gpn: number): boolean;

  /**
   * Host paging takes guest page `gpn` away from its machine frame: remove every mapping
   * of it (G-stage leaf, or every shadow PTE that maps the frame), make the hart forget
   * them (hart.contextChanged()), and say whether the page was written through a mapping
   * since it was mapped (the D bit). Must accept a page it never mapped ({ dirty: false }):
   * the host may have faulted it in for its own access.
   */
  evict(gpn: number): { dirty: boolean };

  /** The guest's TLB flush (SFENCE.VMA / RFENCE): what the strategy must drop. */
  flush(): void;

  /** The strategy's own state for snapshots (structured-cloneable; guest and table memory is RAM, kept apart). */
  saveState(): unknown;
  restoreState(state: unknown): void;

  /** Figures for stats: frames backing the VM now, and table pages tracked. */
  stats(): { frames: number; tablePages: number };
}

/** Which access of the guest a guest-page fault came from. */
export type GuestAccessOrigin = 'explicit' | 'walk-read' | 'walk-write';

export type StrategyName = 'nested' | 'shadow' | 'pv';
export const STRATEGY_NAMES: readonly StrategyName[] = ['nested', 'shadow', 'pv'];
