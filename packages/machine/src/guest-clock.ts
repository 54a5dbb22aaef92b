/**
 * Guest time, derived from retired instructions (like QEMU's -icount): every retired
 * instruction advances time by `nsPerInsn` nanoseconds, plus whatever WFI skipped
 * while the hart had nothing to do. mtime counts ticks of the 10 MHz timebase.
 * Nothing here reads the host clock, so two runs see identical time.
 */
export const TIMEBASE_HZ = 10_000_000;
const NS_PER_TICK = 1e9 / TIMEBASE_HZ;

export class GuestClock {
  /** Instructions' worth of time skipped by WFI (state: part of every snapshot). */
  idleInsns = 0;
  /** Added to mtime by guest writes to the CLINT's mtime register. */
  mtimeOffset = 0;

  constructor(readonly nsPerInsn = 1) {
    if (!(nsPerInsn > 0) || !Number.isFinite(nsPerInsn)) throw new RangeError(`ns per instruction must be a positive number, got ${nsPerInsn}`);
  }

  /** mtime (ticks) once `icount` instructions have retired. */
  mtime(icount: number): number {
    return Math.floor(((icount + this.idleInsns) * this.nsPerInsn) / NS_PER_TICK) + this.mtimeOffset;
  }

  /** Nanoseconds of guest time once `icount` instructions have retired. */
  nanoseconds(icount: number): number {
    return (icount + this.idleInsns) * this.nsPerInsn;
  }

  /** The first icount at which mtime reaches `ticks`. */
  icountAt(ticks: number): number {
    return Math.ceil(((ticks - this.mtimeOffset) * NS_PER_TICK) / this.nsPerInsn) - this.idleInsns;
  }

  /** WFI: let time run until `icount` is where mtime reaches the deadline. */
  skipTo(currentIcount: number, deadlineIcount: number): void {
    if (deadlineIcount > currentIcount) this.idleInsns += deadlineIcount - currentIcount;
  }
}
