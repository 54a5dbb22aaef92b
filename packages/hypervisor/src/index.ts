export { createHypervisorMachine } from './create-hypervisor-machine.js';
export type { HypervisorMachineConfig } from './create-hypervisor-machine.js';
export { Hypervisor } from './hypervisor.js';
export type { HypervisorConfig } from './hypervisor.js';
export { Vm, IDLE_FOREVER } from './vm.js';
export type { VmStats } from './vm.js';
export { DEFAULT_GUEST_MEM, DEFAULT_QUANTUM, GUEST_RAM_BASE } from './vm-spec.js';
export type { VmSpec } from './vm-spec.js';
export { STRATEGY_NAMES } from './memory-strategy.js';
export type { MemoryStrategy, StrategyName, GuestAccessOrigin } from './memory-strategy.js';
export { NestedStrategy } from './nested-strategy.js';
export { ShadowStrategy } from './shadow-strategy.js';
export { PvStrategy } from './pv-strategy.js';
export { PV_MMU_VERSION } from './pv-mmu.js';
export { EXIT_REASON_BY_CAUSE, exitReason } from './exit-reasons.js';
export { GStageTable, SV32X4_ROOT_BYTES } from './g-stage-table.js';
export { HostFramePool, HostPagingError } from './host-frame-pool.js';
export type { FrameOwner, PoolFault, PoolPaging } from './host-frame-pool.js';
export { onHostPageFault, hpfEvent, timeEvent } from './host-page-faults.js';
export type { PagingInputRecord } from './host-page-faults.js';
export { VmTime } from './vm-time.js';
export {
  HostPager,
  MIN_HOST_FRAMES,
  MODELED_LATENCY_NS,
  LATENCY_NAMES,
  POLICY_NAMES,
  PagingReplay,
  describeHostPaging,
  formatBacking,
  formatPolicy,
  hostMemFrames,
  pagingInputsOf,
  parseBacking,
  parseHostPaging,
  parseLatency,
  parsePolicy,
} from './host-paging/index.js';
export type { FailureInjector, HostPagingConfig, LatencyName, PagingInput, PagingStats, PolicySpec } from './host-paging/index.js';
export { DEFAULT_TIME_POLICY, TIME_POLICY_NAMES, createTimePolicy, formatTimePolicy, parseDuration, parseTimePolicy } from './time-policy/index.js';
export type { TimePolicy, TimePolicyEvent, TimePolicyName, TimePolicySpec } from './time-policy/index.js';
export { decodeGuestAccess } from './guest-access.js';
