import { type BackingSpec, formatBacking, parseBacking, type BackingStore, type FailureInjector } from './backing-store.js';
import { FileBackingStore } from './file-backing-store.js';
import { createLatencyModel, defaultLatency, parseLatency, type LatencyModel, type LatencyName } from './latency-model.js';
import { MemoryBackingStore } from './memory-backing-store.js';
import { PAGE_SIZE } from './page-size.js';
import { formatPolicy, parsePolicy, type PolicySpec } from './replacement-policy.js';

/**
 * Below this many frames a single instruction could need more pages at once than the
 * pool holds (fetch page, a misaligned access's two data pages, and under nested paging
 * the guest's own page-table pages the walk reads) and would fault forever.
 */
export const MIN_HOST_FRAMES = 8;

/** Host paging as the command line describes it; the recorder stores it in the header. */
export interface HostPagingConfig {
  frames: number;
  policy: PolicySpec;
  backing: BackingSpec;
  latency: LatencyName;
}

/** The options' text, as `hvrr run` received them (`hostMem` in bytes, already parsed as a size). */
export interface HostPagingOptionsText {
  hostMem: number;
  policy?: string;
  backing?: string;
  latency?: string;
}

/** `--host-mem SIZE` in bytes → frames: a multiple of 4 KiB, at least MIN_HOST_FRAMES pages. */
export function hostMemFrames(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes % PAGE_SIZE !== 0) throw new RangeError(`--host-mem ${bytes} is not a multiple of 4 KiB`);
  const frames = bytes / PAGE_SIZE;
  if (frames < MIN_HOST_FRAMES) throw new RangeError(`--host-mem must hold at least ${MIN_HOST_FRAMES} frames (${(MIN_HOST_FRAMES * PAGE_SIZE) / 1024} KiB), got ${bytes} bytes`);
  return frames;
}

/** Defaults: policy clock, backing memory, latency dram for memory and measured for a file. */
export function parseHostPaging(options: HostPagingOptionsText): HostPagingConfig {
  const backing = parseBacking(options.backing ?? 'memory');
  return {
    frames: hostMemFrames(options.hostMem),
    policy: parsePolicy(options.policy ?? 'clock'),
    backing,
    latency: options.latency === undefined ? defaultLatency(backing.kind) : parseLatency(options.latency),
  };
}

export function describeHostPaging(config: HostPagingConfig): string {
  return `${(config.frames * PAGE_SIZE) / 1024} KiB of host frames, policy ${formatPolicy(config.policy)}, backing ${formatBacking(config.backing)}, latency ${config.latency}`;
}

export function openBackingStore(spec: BackingSpec, options: { maxSlots?: number; inject?: FailureInjector; sync?: boolean } = {}): BackingStore {
  return spec.kind === 'memory' ? new MemoryBackingStore(options) : new FileBackingStore(spec.path, options);
}

export function latencyModelFor(config: HostPagingConfig): LatencyModel {
  return createLatencyModel(config.latency);
}
