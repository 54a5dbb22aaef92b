import { GuestClock } from '@hvrr/machine';
import { createTimePolicy, type TimePolicySpec } from './time-policy/time-policy-config.js';
import type { TimePolicy, TimePolicyEvent, TimelineState } from './time-policy/time-policy.js';

/** ns per tick of the 10 MHz timebase. */
const NS_PER_TICK = 100;

/**
 * One VM's clocks, counted in the VM's own retired instructions: its guest time (what
 * `time` reads and timer deadlines use) and its modeled host time (guest instructions at
 * the nominal rate, plus idling, plus host stalls: never the wall clock).
 *
 * Under `virtual` guest time is the GuestClock it has always been (instructions plus what
 * WFI skipped, whole instructions at a time), so a run without host paging, or one whose
 * stalls are hidden, sees exactly the same time; stalls only add to host time. Under
 * `real` and `catchup` the TimePolicy's timeline is guest time: stalls step it (real) or
 * hold it back and then let it run faster (catchup).
 */
export class VmTime {
  readonly clock: GuestClock;
  /** The timeline of real/catchup; null under virtual. */
  readonly policy: TimePolicy | null;
  readonly policyName: TimePolicySpec['name'];
  /** Under virtual: every stall so far (ns), for host time. */
  private stallNs = 0;

  constructor(nsPerInsn: number, spec: TimePolicySpec = { name: 'virtual' }) {
    this.clock = new GuestClock(nsPerInsn);
    this.policyName = spec.name;
    this.policy = spec.name === 'virtual' ? null : createTimePolicy(spec, nsPerInsn);
  }

  /** Guest `time` (ticks of 10 MHz) once the VM has retired `retired` instructions. */
  ticks(retired: number): number {
    const p = this.policy;
    return p === null ? this.clock.mtime(retired) : Math.floor(p.guestTimeAt(retired) / NS_PER_TICK);
  }

  /** The first retired-instruction count at which guest time reaches `ticks` (no further stall assumed). */
  retiredAtTicks(ticks: number): number {
    const p = this.policy;
    return p === null ? this.clock.icountAt(ticks) : p.icountAt(ticks * NS_PER_TICK);
  }

  /**
   * WFI with nothing but the timer to wait for: guest time skips to `ticks` (or just past
   * it). Returns the idle period (real/catchup; undefined when there was nothing to skip
   * or under virtual), or null when the timeline can never reach that deadline (a timer
   * parked at the end of time): the caller treats it as no timer at all.
   */
  idleUntilTicks(retired: number, ticks: number): TimePolicyEvent | undefined | null {
    const p = this.policy;
    if (p === null) {
      this.clock.skipTo(retired, this.clock.icountAt(ticks));
      return undefined;
    }
    if (p.icountAt(ticks * NS_PER_TICK) === Infinity) return null;
    return p.idleUntil(retired, ticks * NS_PER_TICK);
  }

  /** A host stall of `ns` at `retired` (a page fault waiting for the backing store). */
  stall(retired: number, ns: number): TimePolicyEvent {
    const p = this.policy;
    if (p !== null) return p.stall(retired, ns);
    this.stallNs += ns;
    const guestNs = this.guestNs(retired);
    return { kind: 'stall', icount: retired, ns, guestNs, hostNs: this.hostNs(retired), backlogNs: 0, droppedNs: 0, rate: 1 };
  }

  /** Guest time in ns (whole ns). */
  guestNs(retired: number): number {
    const p = this.policy;
    return p === null ? Math.floor(this.clock.nanoseconds(retired)) : p.guestTimeAt(retired);
  }

  /** Modeled host time in ns: instructions at the nominal rate, idling, and every stall. */
  hostNs(retired: number): number {
    const p = this.policy;
    return p === null ? Math.floor(this.clock.nanoseconds(retired)) + this.stallNs : p.hostTimeAt(retired);
  }

  /** Time owed to the guest (catchup), in ns. */
  backlogNs(retired: number): number {
    return this.policy === null ? 0 : this.policy.backlogAtIcount(retired);
  }

  /** Every stall so far, in ns. */
  get totalStallNs(): number {
    return this.policy === null ? this.stallNs : this.policy.stats().stallNs;
  }

  saveState(): { clock: [number, number]; stallNs: number; timeline: TimelineState | null } {
    return { clock: [this.clock.idleInsns, this.clock.mtimeOffset], stallNs: this.stallNs, timeline: this.policy?.saveState() ?? null };
  }

  restoreState(s: { clock: [number, number]; stallNs?: number; timeline?: TimelineState | null }): void {
    [this.clock.idleInsns, this.clock.mtimeOffset] = s.clock;
    this.stallNs = s.stallNs ?? 0;
    if (this.policy !== null && s.timeline != null) this.policy.restore(s.timeline);
  }
}
