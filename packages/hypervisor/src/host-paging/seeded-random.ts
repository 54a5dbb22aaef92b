/**
 * The seeded generator behind `--policy random:SEED`. Replacement decisions must come out
 * the same on every run and every host, so the policy never touches Math.random: the
 * sequence is a pure function of the seed.
 *
 * Construction: a Weyl sequence (state += golden-ratio constant, mod 2^32) passed through
 * a 32-bit avalanche mix (xor-shift / multiply rounds). Every step is a 32-bit integer
 * operation (Math.imul, >>>), which JavaScript defines exactly, so results never depend on
 * floating point.
 */
const WEYL_STEP = 0x9e3779b9;

export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`random seed must be an integer in 0..4294967295, got ${seed}`);
    this.state = seed >>> 0;
  }

  /** The next value, uniform over 0..2^32-1. */
  nextUint32(): number {
    this.state = (this.state + WEYL_STEP) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform over 0..bound-1 (bound ≥ 1), by rejection so that no value is favoured. */
  nextBelow(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > 0x100000000) throw new RangeError(`bound must be an integer in 1..2^32, got ${bound}`);
    const range = 0x100000000;
    const limit = range - (range % bound);
    for (;;) {
      const value = this.nextUint32();
      if (value < limit) return value % bound;
    }
  }

  /** The generator's position, for snapshots; restore with `restore`. */
  saveState(): number {
    return this.state;
  }

  restore(state: number): void {
    this.state = state >>> 0;
  }
}
