import type { ReplacementPolicy } from './replacement-policy.js';
import { SeededRandom } from './seeded-random.js';

/**
 * Random replacement with an explicit seed: one draw per eviction picks a position in the
 * list of resident frames; if that frame is not eligible the search moves forward
 * cyclically. The list changes by swap-remove, which depends only on the call sequence, so
 * a seed and a guest run always give the same victims.
 */
export class RandomPolicy implements ReplacementPolicy {
  readonly name: string;
  private readonly random: SeededRandom;
  /** Resident frames in no meaningful order, and each frame's index in it (-1 if absent). */
  private readonly residents: Int32Array;
  private readonly position: Int32Array;
  private count = 0;

  constructor(frames: number, seed: number) {
    if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`frame count must be a positive integer, got ${frames}`);
    this.random = new SeededRandom(seed);
    this.name = `random:${seed}`;
    this.residents = new Int32Array(frames);
    this.position = new Int32Array(frames).fill(-1);
  }

  onMap(frame: number): void {
    if (this.position[frame] !== -1) return;
    this.residents[this.count] = frame;
    this.position[frame] = this.count++;
  }

  onAccess(_frame: number): void {}

  victim(eligible: (frame: number) => boolean): number {
    if (this.count === 0) return -1;
    const start = this.random.nextBelow(this.count);
    for (let i = 0; i < this.count; i++) {
      const frame = this.residents[(start + i) % this.count]!;
      if (eligible(frame)) return frame;
    }
    return -1;
  }

  saveState(): { residents: Int32Array; position: Int32Array; count: number; random: number } {
    return { residents: this.residents.slice(), position: this.position.slice(), count: this.count, random: this.random.saveState() };
  }

  restoreState(state: unknown): void {
    const s = state as ReturnType<RandomPolicy['saveState']>;
    this.residents.set(s.residents);
    this.position.set(s.position);
    this.count = s.count;
    this.random.restore(s.random);
  }

  onUnmap(frame: number): void {
    const index = this.position[frame]!;
    if (index === -1) return;
    const last = this.residents[--this.count]!;
    this.residents[index] = last;
    this.position[last] = index;
    this.position[frame] = -1;
  }
}
