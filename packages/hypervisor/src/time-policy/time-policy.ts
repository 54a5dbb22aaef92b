/**
 * What host stalls (page-ins, page-outs: the pager's latencies) do to a VM's sense of time.
 * Guest time is derived from the VM's own retired instructions at a nominal rate, as in
 * QEMU's -icount; a policy decides how stalls show through:
 * - `virtual`: not at all (guest time from instructions and WFI idling alone);
 * - `real`: each stall is added to guest time at once (the guest sees host time);
 * - `catchup`: during a stall the guest's timer ticks are held back (guest time stands
 *   still); afterwards guest time runs faster than nominal, by at most `slew`, until the
 *   backlog is delivered; backlog past `limit` is dropped (those ticks never come).
 *
 * Everything is a pure function of the VM's instruction counts, the stalls reported
 * (recorded inputs) and WFI idling, so a recorded run replays exactly whatever the host.
 * One policy object per VM; calls come in nondecreasing instruction-count order.
 */
export type TimePolicyName = 'virtual' | 'real' | 'catchup';

export const TIME_POLICY_NAMES: readonly TimePolicyName[] = ['virtual', 'real', 'catchup'];

export interface CatchupParams {
  /** Catch-up starts once the backlog reaches this many ns; a smaller backlog waits. */
  thresholdNs: number;
  /** While catching up guest time runs at (1 + slew) × nominal: 1 means twice as fast. */
  slew: number;
  /** The most backlog kept; a stall that pushes it past the limit drops the excess. */
  limitNs: number;
}

/** Defaults: catch up once 1 ms behind, at double speed, dropping anything beyond 1 s behind. */
export const DEFAULT_CATCHUP: Readonly<CatchupParams> = { thresholdNs: 1_000_000, slew: 1, limitNs: 1_000_000_000 };

/** What one stall or idle period did, for the hypervisor's `time` events. */
export interface TimePolicyEvent {
  kind: 'stall' | 'idle';
  /** The VM's instruction count when it happened. */
  icount: number;
  /** Host time the stall took (stall), or the host time spent idle (idle), in ns. */
  ns: number;
  /** Guest and modeled host time right after it; their difference is what the guest does not see. */
  guestNs: number;
  hostNs: number;
  /** Time owed to the guest (catchup only; 0 otherwise). */
  backlogNs: number;
  /** Backlog dropped by this event because it exceeded the limit. */
  droppedNs: number;
  /** Guest ns per nominal ns from here on: 1, or 1 + slew while catching up. */
  rate: number;
  /** Where catch-up will have delivered the backlog if nothing else happens (catchup only). */
  catchupEndIcount?: number;
}

export interface TimePolicyStats {
  stallNs: number;
  idleNs: number;
  droppedNs: number;
  backlogNs: number;
  maxBacklogNs: number;
}

export interface TimePolicy {
  readonly name: TimePolicyName;
  readonly nsPerInsn: number;
  /** Guest time (integer ns) once the VM has retired `icount` instructions. */
  guestTimeAt(icount: number): number;
  /** Modeled host time: instructions at the nominal rate, plus idling, plus every stall. */
  hostTimeAt(icount: number): number;
  /**
   * The smallest instruction count at which guest time reaches `guestNs`, assuming no
   * further stall or idling (recompute after either). Never below the last event's count;
   * Infinity for a deadline no run reaches (e.g. a timer disarmed with set_timer(-1)).
   */
  icountAt(guestNs: number): number;
  /** Time still owed to the guest at `icount` (catchup; 0 under virtual and real). */
  backlogAtIcount(icount: number): number;
  /** A host stall of `ns` happened at `icount` (the pager's latency for a fault there). */
  stall(icount: number, ns: number): TimePolicyEvent;
  /**
   * WFI with nothing pending: the VM does nothing until its guest time reaches `guestNs`.
   * Returns the idle period, or undefined if that time has already come.
   */
  idleUntil(icount: number, guestNs: number): TimePolicyEvent | undefined;
  stats(): TimePolicyStats;
  /** Plain data for snapshots (time travel); `restore` takes it back. */
  saveState(): TimelineState;
  restore(state: TimelineState): void;
}

/** The complete state of a policy's timeline (see Timeline). */
export interface TimelineState {
  baseIcount: number;
  idleNs: number;
  segmentNominalNs: number;
  segmentGuestNs: number;
  segmentBacklogNs: number;
  catching: boolean;
  stallNs: number;
  droppedNs: number;
  maxBacklogNs: number;
}
