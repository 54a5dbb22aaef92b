import type { Hart } from './hart.js';

/**
 * The seams between the hart and the board around it (mini-rv32ima's host hooks).
 * The machine implements them for bare runs and the built-in firmware; the
 * hypervisor implements them to turn traps into VM exits.
 */
export interface HartHost {
  /** mtime, in timebase ticks, when `icount` instructions have retired. */
  readTime(icount: number): number;
  /**
   * Called between slices: bring interrupt lines driven by time (timers) up to date
   * for the hart's current icount. Returns the icount at which the next timed event
   * falls due (Infinity when none is armed); the hart stops its slice there.
   */
  sync(hart: Hart): number;
  /**
   * WFI found nothing pending: skip guest time to the next timer deadline. Returns
   * false when nothing can ever wake the hart.
   */
  idle(hart: Hart): boolean;
  /**
   * A trap is about to enter M-mode. Returning true means the host handled it in place
   * of M-mode code (the built-in SBI firmware does this for ecalls from S-mode).
   */
  trapToM(hart: Hart, cause: number, interrupt: boolean, tval: number): boolean;
  /**
   * The hart has just taken a trap into HS-mode (V=0, priv S): scause/sepc/stval, htval,
   * htinst, hstatus.SPV/SPVP/GVA, sstatus.SPP/SPIE/SIE and pc = stvec are written, as
   * hardware does. Returning true means the host is the HS software (a hypervisor in
   * TypeScript): run() returns STOP_VM_EXIT before any HS instruction executes. The
   * machine returns false, so native HS code runs.
   */
  trapToHS(hart: Hart, cause: number, interrupt: boolean): boolean;
  /** A store landed in a page the host watches (HTIF tohost); pa is the physical address. */
  watchedStore(pa: number, size: number): void;
}
