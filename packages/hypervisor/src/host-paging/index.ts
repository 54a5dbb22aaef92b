// Host paging: a pool of machine frames smaller than guest RAM, replacement policies,
// backing stores and latency models (docs/host-paging.md).
export { HostPager } from './host-pager.js';
export type { BackingOp, Eviction, FaultFailed, FaultResult, FaultServed, HostPagerOptions, PageState, PagerHost, PagingStats } from './host-pager.js';
export { RamFrameMemory } from './frame-memory.js';
export type { FrameMemory } from './frame-memory.js';
export { DEFAULT_RANDOM_SEED, POLICY_NAMES, formatPolicy, parsePolicy } from './replacement-policy.js';
export type { PolicyName, PolicySpec, ReplacementPolicy } from './replacement-policy.js';
export { createPolicy } from './create-policy.js';
export { QueuePolicy } from './queue-policy.js';
export { FifoPolicy } from './fifo-policy.js';
export { LruPolicy } from './lru-policy.js';
export { ClockPolicy } from './clock-policy.js';
export { RandomPolicy } from './random-policy.js';
export { SeededRandom } from './seeded-random.js';
export { formatBacking, parseBacking } from './backing-store.js';
export type { BackingSpec, BackingStore, FailureInjector, IoOperation, IoResult, SlotResult } from './backing-store.js';
export { SlottedBackingStore } from './slotted-backing-store.js';
export { MemoryBackingStore } from './memory-backing-store.js';
export { FileBackingStore } from './file-backing-store.js';
export type { FileBackingOptions } from './file-backing-store.js';
export { LATENCY_NAMES, MODELED_LATENCY_NS, createLatencyModel, defaultLatency, parseLatency } from './latency-model.js';
export type { LatencyModel, LatencyName } from './latency-model.js';
export { MIN_HOST_FRAMES, describeHostPaging, hostMemFrames, latencyModelFor, openBackingStore, parseHostPaging } from './host-paging-config.js';
export type { HostPagingConfig, HostPagingOptionsText } from './host-paging-config.js';
export { PagingReplay, pagingInputsOf } from './paging-replay.js';
export type { PagingInput } from './paging-replay.js';
export { PAGE_SHIFT, PAGE_SIZE } from './page-size.js';
