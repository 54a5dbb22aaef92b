import type { Machine, RunOutcome } from '@hvrr/machine';

/** Attempts between periodic state hashes unless a trace says otherwise. */
export const DEFAULT_HASH_EVERY = 1_000_000;

/**
 * Runs a machine in the steps a trace is cut into: `hashEvery` instruction attempts
 * at a time, stopping at the attempt limit. Recording and replay both step through
 * this, so state hashes fall at the same instruction counts in both.
 */
export class RunStepper {
  constructor(
    readonly machine: Machine,
    readonly hashEvery: number,
    readonly maxAttempts: number | null,
  ) {
    if (!(Number.isInteger(hashEvery) && hashEvery > 0)) throw new RangeError(`hash interval must be a positive integer, got ${hashEvery}`);
  }

  /**
   * Runs one step, or less when `stopAt` (an attempts count) comes first. Returns the
   * run's outcome when it ended (a 'budget' outcome at the attempt limit), else null.
   */
  step(stopAt = Infinity): RunOutcome | null {
    const m = this.machine;
    const limit = Math.min(this.maxAttempts ?? Infinity, stopAt);
    const budget = Math.min(this.hashEvery, limit - m.hart.attempts);
    if (budget <= 0) return m.outcome ?? (this.maxAttempts !== null && m.hart.attempts >= this.maxAttempts ? { kind: 'budget' } : null);
    const outcome = m.run(budget);
    if (outcome !== null) return outcome;
    if (this.maxAttempts !== null && m.hart.attempts >= this.maxAttempts) return { kind: 'budget' };
    return null;
  }
}
