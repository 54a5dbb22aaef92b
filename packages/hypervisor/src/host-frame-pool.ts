/**
 * Machine frames (4 KiB pages of host RAM) handed out to back guest-physical pages.
 * Frames are given in address order and never reused yet: host paging (eviction to a
 * backing store) is the next issue's; until then the pool holds every VM's RAM.
 */
export class HostFramePool {
  private next: number;
  private readonly end: number;

  /** Frames [firstPa, firstPa + frames * 4096) of host RAM. */
  constructor(
    readonly firstPa: number,
    readonly frames: number,
  ) {
    this.next = firstPa;
    this.end = firstPa + frames * 4096;
  }

  /** A fresh (all-zero) frame's machine-physical address, or -1 when the pool is empty. */
  alloc(): number {
    if (this.next >= this.end) return -1;
    const pa = this.next;
    this.next += 4096;
    return pa;
  }

  /** The next frame to hand out (snapshots). */
  get cursor(): number {
    return this.next;
  }

  set cursor(pa: number) {
    this.next = pa;
  }

  /** Frames handed out so far. */
  get used(): number {
    return (this.next - this.firstPa) / 4096;
  }

  /** Whether a machine address lies in the pool's frames. */
  contains(pa: number): boolean {
    return pa >= this.firstPa && pa < this.end;
  }
}
