/**
 * What a backing-store operation costs in host time, the stall the time policy sees.
 * Modeled devices cost a fixed time per page whatever this host's disk did; `measured`
 * passes the real duration through. Either way the figure is an input of the run: the
 * caller records it, and replay feeds the recorded figures back (PagingReplay) so a run
 * replays exactly on a faster or slower host, or under another `--latency`.
 */
export type LatencyName = 'dram' | 'ssd' | 'hdd' | 'floppy' | 'measured';

export const LATENCY_NAMES: readonly LatencyName[] = ['dram', 'ssd', 'hdd', 'floppy', 'measured'];

/** ns per page transfer: DRAM 60 ns, SSD 100 µs, HDD 10 ms, floppy 250 ms. */
export const MODELED_LATENCY_NS: Readonly<Record<Exclude<LatencyName, 'measured'>, number>> = {
  dram: 60,
  ssd: 100_000,
  hdd: 10_000_000,
  floppy: 250_000_000,
};

export interface LatencyModel {
  readonly name: string;
  /** The cost in ns (a non-negative integer) of one read or write that took `measuredNs` here. */
  costNs(op: 'read' | 'write', measuredNs: number): number;
}

export function parseLatency(text: string): LatencyName {
  if (!(LATENCY_NAMES as readonly string[]).includes(text)) throw new RangeError(`invalid latency '${text}': expected dram, ssd, hdd, floppy or measured`);
  return text as LatencyName;
}

/** The default of the issue: dram for the memory store, measured for a file. */
export function defaultLatency(backing: 'memory' | 'file'): LatencyName {
  return backing === 'memory' ? 'dram' : 'measured';
}

export function createLatencyModel(name: LatencyName): LatencyModel {
  if (name === 'measured') return { name, costNs: (_op, measuredNs) => Math.max(0, Math.round(measuredNs)) };
  const ns = MODELED_LATENCY_NS[name];
  return { name, costNs: () => ns };
}
