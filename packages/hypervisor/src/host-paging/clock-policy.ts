import type { ReplacementPolicy } from './replacement-policy.js';

/**
 * Clock (second chance). The pool's frames stand in a circle in frame-number order; the
 * hand sweeps it: a referenced frame loses its bit and is passed over, the first
 * unreferenced one is the victim, and the hand stops just past it.
 *
 * The referenced bit is set when a page is mapped (the fault that brought it in is a use)
 * and by `onAccess`. The hypervisor can also give a `probe` that tests and clears the
 * accessed bit of the frame's G-stage PTE: the sweep then treats a set A bit as a reference,
 * which is the textbook algorithm on hardware-maintained bits.
 */
export class ClockPolicy implements ReplacementPolicy {
  readonly name = 'clock';
  private readonly referenced: Uint8Array;
  private readonly resident: Uint8Array;
  private hand = 0;

  constructor(
    readonly frames: number,
    private readonly probe?: (frame: number) => boolean,
  ) {
    if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`frame count must be a positive integer, got ${frames}`);
    this.referenced = new Uint8Array(frames);
    this.resident = new Uint8Array(frames);
  }

  onMap(frame: number): void {
    this.resident[frame] = 1;
    this.referenced[frame] = 1;
  }

  onAccess(frame: number): void {
    if (this.resident[frame]) this.referenced[frame] = 1;
  }

  victim(eligible: (frame: number) => boolean): number {
    // Two turns suffice: the first clears every eligible frame's bit, so the second stops.
    // Finding nothing means no frame was eligible, so nothing changed; the hand stays put.
    const start = this.hand;
    for (let steps = 0; steps < 2 * this.frames + 1; steps++) {
      const frame = this.hand;
      this.hand = (this.hand + 1) % this.frames;
      if (!this.resident[frame] || !eligible(frame)) continue;
      let wasReferenced = this.referenced[frame] === 1;
      this.referenced[frame] = 0;
      if (this.probe !== undefined && this.probe(frame)) wasReferenced = true;
      if (!wasReferenced) return frame;
    }
    this.hand = start;
    return -1;
  }

  onUnmap(frame: number): void {
    this.resident[frame] = 0;
    this.referenced[frame] = 0;
  }

  saveState(): { hand: number; referenced: Uint8Array; resident: Uint8Array } {
    return { hand: this.hand, referenced: this.referenced.slice(), resident: this.resident.slice() };
  }

  restoreState(state: unknown): void {
    const s = state as ReturnType<ClockPolicy['saveState']>;
    this.hand = s.hand;
    this.referenced.set(s.referenced);
    this.resident.set(s.resident);
  }

  /** Where the hand points and which frames are referenced (for tests and diagnostics). */
  inspect(): { hand: number; referenced: number[] } {
    const referenced: number[] = [];
    for (let frame = 0; frame < this.frames; frame++) if (this.referenced[frame]) referenced.push(frame);
    return { hand: this.hand, referenced };
  }
}
