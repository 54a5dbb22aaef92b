/**
 * An ordered set of frame numbers with O(1) append, removal and move-to-back: a doubly
 * linked list threaded through two Int32Arrays indexed by frame. FIFO keeps frames in map
 * order with it, LRU in order of last use. No allocation per operation.
 */
const NONE = -1;

export class FrameList {
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly member: Uint8Array;
  private head = NONE;
  private tail = NONE;
  size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`frame count must be a positive integer, got ${capacity}`);
    this.next = new Int32Array(capacity).fill(NONE);
    this.prev = new Int32Array(capacity).fill(NONE);
    this.member = new Uint8Array(capacity);
  }

  has(frame: number): boolean {
    return this.member[frame] === 1;
  }

  /** Appends at the back (the youngest end); moves the frame there if already present. */
  pushBack(frame: number): void {
    this.checkFrame(frame);
    if (this.member[frame]) this.remove(frame);
    this.member[frame] = 1;
    this.prev[frame] = this.tail;
    this.next[frame] = NONE;
    if (this.tail === NONE) this.head = frame;
    else this.next[this.tail] = frame;
    this.tail = frame;
    this.size++;
  }

  remove(frame: number): void {
    this.checkFrame(frame);
    if (!this.member[frame]) return;
    const before = this.prev[frame]!;
    const after = this.next[frame]!;
    if (before === NONE) this.head = after;
    else this.next[before] = after;
    if (after === NONE) this.tail = before;
    else this.prev[after] = before;
    this.member[frame] = 0;
    this.size--;
  }

  /** The first frame from the front (oldest end) for which `eligible` holds, or -1. */
  firstWhere(eligible: (frame: number) => boolean): number {
    for (let frame = this.head; frame !== NONE; frame = this.next[frame]!) {
      if (eligible(frame)) return frame;
    }
    return NONE;
  }

  /** The list as plain data (copies), for snapshots. */
  saveState(): { next: Int32Array; prev: Int32Array; member: Uint8Array; head: number; tail: number; size: number } {
    return { next: this.next.slice(), prev: this.prev.slice(), member: this.member.slice(), head: this.head, tail: this.tail, size: this.size };
  }

  restoreState(s: ReturnType<FrameList['saveState']>): void {
    this.next.set(s.next);
    this.prev.set(s.prev);
    this.member.set(s.member);
    this.head = s.head;
    this.tail = s.tail;
    this.size = s.size;
  }

  /** Frames from front to back (for tests and diagnostics). */
  toArray(): number[] {
    const frames: number[] = [];
    for (let frame = this.head; frame !== NONE; frame = this.next[frame]!) frames.push(frame);
    return frames;
  }

  private checkFrame(frame: number): void {
    if (!Number.isInteger(frame) || frame < 0 || frame >= this.capacity) throw new RangeError(`frame ${frame} outside 0..${this.capacity - 1}`);
  }
}
