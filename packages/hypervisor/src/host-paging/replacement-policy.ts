/**
 * Which resident page gives up its machine frame when the pool is full. Policies see only
 * frame numbers (0..frames-1 of the host pool); the pager keeps the (vm, guest page) that
 * owns each frame. All policies are deterministic functions of the calls they receive.
 *
 * Call protocol (the pager follows it; tests drive policies the same way):
 * - `onMap(frame)` when a page is placed in a frame (the frame becomes resident);
 * - `onAccess(frame)` when the caller learns the page was used: a fault on a resident page,
 *   or an accessed bit the hypervisor harvested from a G-stage PTE (LRU reorders, Clock sets
 *   its referenced bit, FIFO and Random ignore it);
 * - `victim(eligible)` to choose a resident frame for which `eligible(frame)` holds, or -1 if
 *   there is none; it does not remove the frame: the pager calls `onUnmap` once the eviction
 *   succeeded (a failed write-back leaves the page resident; the pager then re-queues it with
 *   `onUnmap` + `onMap`, so the next choice moves on to another frame);
 * - `onUnmap(frame)` when the frame stops being resident.
 */
export interface ReplacementPolicy {
  readonly name: string;
  onMap(frame: number): void;
  onAccess(frame: number): void;
  victim(eligible: (frame: number) => boolean): number;
  onUnmap(frame: number): void;
  /** Everything the policy holds, as plain data (typed arrays copied) for snapshots (time travel). */
  saveState?(): unknown;
  /** Back to a state `saveState` gave (the state is copied, never kept). */
  restoreState?(state: unknown): void;
}

export type PolicyName = 'fifo' | 'lru' | 'clock' | 'random';

/** A parsed `--policy` value. */
export interface PolicySpec {
  name: PolicyName;
  /** Only for random; `random` alone means seed 0. */
  seed?: number;
}

export const POLICY_NAMES: readonly PolicyName[] = ['fifo', 'lru', 'clock', 'random'];
export const DEFAULT_RANDOM_SEED = 0;

/** Parses `fifo|lru|clock|random[:SEED]` (SEED decimal or 0x hex, 0..2^32-1). */
export function parsePolicy(text: string): PolicySpec {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  if (!(POLICY_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`invalid policy '${text}': expected fifo, lru, clock or random[:SEED]`);
  }
  if (colon < 0) return name === 'random' ? { name, seed: DEFAULT_RANDOM_SEED } : { name: name as PolicyName };
  if (name !== 'random') throw new RangeError(`invalid policy '${text}': only random takes a seed`);
  const seedText = text.slice(colon + 1);
  const seed = /^(0x[0-9a-f]+|[0-9]+)$/i.test(seedText) ? Number(seedText) : NaN;
  if (!Number.isSafeInteger(seed) || seed > 0xffffffff) {
    throw new RangeError(`invalid policy '${text}': SEED must be an integer in 0..4294967295 (decimal or 0x hex)`);
  }
  return { name: 'random', seed };
}

/** The canonical text of a spec (`random:SEED` always shows its seed), for headers and stats. */
export function formatPolicy(spec: PolicySpec): string {
  return spec.name === 'random' ? `random:${spec.seed ?? DEFAULT_RANDOM_SEED}` : spec.name;
}
