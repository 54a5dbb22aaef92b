import { DEFAULT_CATCHUP, type CatchupParams, type TimePolicy, type TimePolicyEvent, type TimePolicyName, type TimePolicyStats, type TimelineState } from './time-policy.js';

/**
 * The three time policies as one piecewise-linear map from nominal time to guest time.
 *
 * Nominal time N(i) = i × nsPerInsn + idleNs is what the VM would see with no stalls at
 * all (instructions plus WFI idling). Guest time G is linear in N between events; each
 * stall or idle starts a new segment at (N0, G0) with backlog B0:
 *   G(N) = G0 + (N − N0) + (catching ? min(B0, (N − N0) × slew) : 0)
 * virtual never changes the slope or G at a stall; real steps G by the stall; catchup adds
 * the stall to the backlog (capped at the limit, the rest dropped) and catches up while
 * the backlog is at least the threshold, until it is zero. Invariant, the reason catchup
 * is never ahead of the host: G + backlog + dropped = N + stalls = host time.
 *
 * Arithmetic is IEEE double on integers and on products with nsPerInsn and slew, which
 * JavaScript evaluates identically everywhere; guest time is floored to whole ns.
 */
/** Beyond this, counts and times lose integer precision; deadlines past it never fall due. */
const MAX_ICOUNT = Number.MAX_SAFE_INTEGER / 4;

export class Timeline implements TimePolicy {
  readonly params: Readonly<CatchupParams>;
  private state: TimelineState = {
    baseIcount: 0,
    idleNs: 0,
    segmentNominalNs: 0,
    segmentGuestNs: 0,
    segmentBacklogNs: 0,
    catching: false,
    stallNs: 0,
    droppedNs: 0,
    maxBacklogNs: 0,
  };

  constructor(
    readonly name: TimePolicyName,
    readonly nsPerInsn: number,
    params: Partial<CatchupParams> = {},
  ) {
    if (!(nsPerInsn > 0) || !Number.isFinite(nsPerInsn)) throw new RangeError(`ns per instruction must be a positive number, got ${nsPerInsn}`);
    this.params = checkCatchup({ ...DEFAULT_CATCHUP, ...params });
  }

  guestTimeAt(icount: number): number {
    return Math.floor(this.guestAtNominal(this.nominalAt(icount)));
  }

  hostTimeAt(icount: number): number {
    return this.nominalAt(icount) + this.state.stallNs;
  }

  icountAt(guestNs: number): number {
    const base = this.state.baseIcount;
    if (this.guestTimeAt(base) >= guestNs) return base;
    const nominal = this.nominalForGuest(guestNs);
    // The estimate is exact up to rounding; settle it against guestTimeAt itself.
    let icount = Math.max(base, Math.ceil((nominal - this.state.idleNs) / this.nsPerInsn));
    // A deadline no run can reach (a guest disarms its timer with set_timer(-1)).
    if (!(icount <= MAX_ICOUNT)) return Infinity;
    while (icount > base && this.guestTimeAt(icount - 1) >= guestNs) icount--;
    while (this.guestTimeAt(icount) < guestNs) icount++;
    return icount;
  }

  stall(icount: number, ns: number): TimePolicyEvent {
    if (!Number.isSafeInteger(ns) || ns < 0) throw new RangeError(`a stall is a non-negative whole number of ns, got ${ns}`);
    const nominal = this.nominalAt(icount);
    const s = this.state;
    let guest = this.guestAtNominal(nominal);
    let backlog = this.backlogAt(nominal);
    let dropped = 0;
    let catching = false;
    if (this.name === 'real') {
      guest += ns;
    } else if (this.name === 'catchup') {
      const stillCatching = s.catching && backlog > 0;
      backlog += ns;
      if (backlog > this.params.limitNs) {
        dropped = backlog - this.params.limitNs;
        backlog = this.params.limitNs;
      }
      catching = backlog > 0 && (stillCatching || backlog >= this.params.thresholdNs);
    }
    s.stallNs += ns;
    s.droppedNs += dropped;
    s.maxBacklogNs = Math.max(s.maxBacklogNs, backlog);
    this.startSegment(icount, nominal, guest, backlog, catching);
    return this.event('stall', icount, ns, dropped);
  }

  idleUntil(icount: number, guestNs: number): TimePolicyEvent | undefined {
    if (!(guestNs <= MAX_ICOUNT)) throw new RangeError(`cannot idle until guest time ${guestNs} ns: that deadline never comes`);
    const nominal = this.nominalAt(icount);
    if (Math.floor(this.guestAtNominal(nominal)) >= guestNs) return undefined;
    let idle = Math.max(1, Math.ceil(this.nominalForGuest(guestNs) - nominal));
    while (idle > 1 && Math.floor(this.guestAtNominal(nominal + idle - 1)) >= guestNs) idle--;
    while (Math.floor(this.guestAtNominal(nominal + idle)) < guestNs) idle++;
    // Re-anchor the segment where the idling ends, so later queries start from there.
    const end = nominal + idle;
    const guest = this.guestAtNominal(end);
    const backlog = this.backlogAt(end);
    const catching = this.state.catching && backlog > 0;
    this.state.idleNs += idle;
    this.startSegment(icount, end, guest, backlog, catching);
    return this.event('idle', icount, idle, 0);
  }

  stats(): TimePolicyStats {
    const s = this.state;
    return { stallNs: s.stallNs, idleNs: s.idleNs, droppedNs: s.droppedNs, backlogNs: s.segmentBacklogNs, maxBacklogNs: s.maxBacklogNs };
  }

  /** Backlog still owed at an instruction count (0 unless catchup). */
  backlogAtIcount(icount: number): number {
    return this.backlogAt(this.nominalAt(icount));
  }

  saveState(): TimelineState {
    return { ...this.state };
  }

  restore(state: TimelineState): void {
    this.state = { ...state };
  }

  private nominalAt(icount: number): number {
    if (!Number.isSafeInteger(icount) || icount < this.state.baseIcount) {
      throw new RangeError(`instruction count ${icount} is before the last time event (${this.state.baseIcount}) or not an integer`);
    }
    return icount * this.nsPerInsn + this.state.idleNs;
  }

  private guestAtNominal(nominal: number): number {
    const s = this.state;
    const elapsed = nominal - s.segmentNominalNs;
    return s.segmentGuestNs + elapsed + (s.catching ? Math.min(s.segmentBacklogNs, elapsed * this.params.slew) : 0);
  }

  private backlogAt(nominal: number): number {
    const s = this.state;
    if (!s.catching) return s.segmentBacklogNs;
    return s.segmentBacklogNs - Math.min(s.segmentBacklogNs, (nominal - s.segmentNominalNs) * this.params.slew);
  }

  /** The nominal time at which (unfloored) guest time reaches `guestNs`, within this segment's line. */
  private nominalForGuest(guestNs: number): number {
    const s = this.state;
    const needed = guestNs - s.segmentGuestNs;
    if (!s.catching) return s.segmentNominalNs + needed;
    const slew = this.params.slew;
    const catchupNominal = s.segmentBacklogNs / slew;
    const caughtUpGuest = catchupNominal * (1 + slew);
    if (needed <= caughtUpGuest) return s.segmentNominalNs + needed / (1 + slew);
    return s.segmentNominalNs + catchupNominal + (needed - caughtUpGuest);
  }

  private startSegment(icount: number, nominal: number, guest: number, backlog: number, catching: boolean): void {
    const s = this.state;
    s.baseIcount = icount;
    s.segmentNominalNs = nominal;
    s.segmentGuestNs = guest;
    s.segmentBacklogNs = backlog;
    s.catching = catching;
  }

  private event(kind: 'stall' | 'idle', icount: number, ns: number, droppedNs: number): TimePolicyEvent {
    const s = this.state;
    const event: TimePolicyEvent = {
      kind,
      icount,
      ns,
      guestNs: this.guestTimeAt(icount),
      hostNs: this.hostTimeAt(icount),
      backlogNs: s.segmentBacklogNs,
      droppedNs,
      rate: s.catching ? 1 + this.params.slew : 1,
    };
    if (s.catching) {
      const endNominal = s.segmentNominalNs + s.segmentBacklogNs / this.params.slew;
      event.catchupEndIcount = Math.ceil((endNominal - s.idleNs) / this.nsPerInsn);
    }
    return event;
  }
}

function checkCatchup(params: CatchupParams): CatchupParams {
  const { thresholdNs, slew, limitNs } = params;
  if (!Number.isSafeInteger(thresholdNs) || thresholdNs < 0) throw new RangeError(`catch-up threshold must be a whole number of ns ≥ 0, got ${thresholdNs}`);
  if (!(slew >= 0.01) || !(slew <= 100)) throw new RangeError(`catch-up slew must be in 0.01..100 (guest time at 1.01× to 101× nominal while catching up), got ${slew}`);
  if (!Number.isSafeInteger(limitNs) || limitNs < thresholdNs) throw new RangeError(`catch-up limit must be a whole number of ns ≥ the threshold (${thresholdNs}), got ${limitNs}`);
  return params;
}
