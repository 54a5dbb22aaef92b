import { ClockPolicy } from './clock-policy.js';
import { FifoPolicy } from './fifo-policy.js';
import { LruPolicy } from './lru-policy.js';
import { RandomPolicy } from './random-policy.js';
import { DEFAULT_RANDOM_SEED, type PolicySpec, type ReplacementPolicy } from './replacement-policy.js';

/**
 * Builds the policy a spec names for a pool of `frames` frames. `probe` (test-and-clear a
 * frame's G-stage accessed bit) is used by Clock only.
 */
export function createPolicy(spec: PolicySpec, frames: number, probe?: (frame: number) => boolean): ReplacementPolicy {
  switch (spec.name) {
    case 'fifo':
      return new FifoPolicy(frames);
    case 'lru':
      return new LruPolicy(frames);
    case 'clock':
      return new ClockPolicy(frames, probe);
    case 'random':
      return new RandomPolicy(frames, spec.seed ?? DEFAULT_RANDOM_SEED);
  }
}
