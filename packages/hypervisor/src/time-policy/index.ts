// Time policies: what host stalls do to a VM's guest time (docs/host-paging.md).
export { DEFAULT_CATCHUP, TIME_POLICY_NAMES } from './time-policy.js';
export type { CatchupParams, TimePolicy, TimePolicyEvent, TimePolicyName, TimePolicyStats, TimelineState } from './time-policy.js';
export { Timeline } from './timeline.js';
export { DEFAULT_TIME_POLICY, createTimePolicy, formatTimePolicy, parseDuration, parseTimePolicy } from './time-policy-config.js';
export type { TimePolicySpec } from './time-policy-config.js';
