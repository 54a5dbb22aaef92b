import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_CATCHUP, type CatchupParams, type TimePolicyName } from './time-policy.js';
import { Timeline } from './timeline.js';

/** A VM's life as the hypervisor reports it: runs of instructions, stalls, WFI idling. */
type Step = { kind: 'run'; insns: number } | { kind: 'stall'; ns: number } | { kind: 'idle'; ns: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('run' as const), insns: fc.integer({ min: 0, max: 5_000_000 }) }),
  fc.record({ kind: fc.constant('stall' as const), ns: fc.oneof(fc.constantFrom(60, 100_000, 10_000_000, 250_000_000), fc.integer({ min: 0, max: 3_000_000_000 })) }),
  fc.record({ kind: fc.constant('idle' as const), ns: fc.integer({ min: 0, max: 50_000_000 }) }),
);
const paramsArb: fc.Arbitrary<CatchupParams> = fc
  .record({ thresholdNs: fc.integer({ min: 0, max: 20_000_000 }), slew: fc.constantFrom(0.25, 0.5, 1, 3), extra: fc.integer({ min: 0, max: 2_000_000_000 }) })
  .map(({ thresholdNs, slew, extra }) => ({ thresholdNs, slew, limitNs: thresholdNs + extra }));
const nsPerInsnArb = fc.constantFrom(1, 0.5, 3, 100);

type Played = { icount: number; stalls: number; idle: number };

/** Plays the steps and checks, at every point, what must hold for every policy; `from` is where an earlier play ended. */
function play(timeline: Timeline, steps: Step[], from: Played = { icount: 0, stalls: 0, idle: 0 }): Played {
  let { icount, stalls, idle } = from;
  let lastGuest = timeline.guestTimeAt(icount);
  for (const step of steps) {
    if (step.kind === 'run') {
      // Sample inside the run: guest time never goes backwards.
      for (const at of [icount + Math.floor(step.insns / 3), icount + step.insns]) {
        const guest = timeline.guestTimeAt(at);
        expect(guest).toBeGreaterThanOrEqual(lastGuest);
        lastGuest = guest;
      }
      icount += step.insns;
    } else if (step.kind === 'stall') {
      const before = timeline.guestTimeAt(icount);
      const event = timeline.stall(icount, step.ns);
      stalls += step.ns;
      expect(event).toMatchObject({ kind: 'stall', icount, ns: step.ns });
      expect(event.guestNs).toBe(timeline.guestTimeAt(icount));
      expect(event.guestNs).toBeGreaterThanOrEqual(before);
      lastGuest = event.guestNs;
    } else {
      const deadline = timeline.guestTimeAt(icount) + step.ns;
      const event = timeline.idleUntil(icount, deadline);
      if (step.ns === 0) expect(event).toBeUndefined();
      else {
        expect(event?.kind).toBe('idle');
        idle += event!.ns;
      }
      expect(timeline.guestTimeAt(icount)).toBeGreaterThanOrEqual(deadline);
      lastGuest = timeline.guestTimeAt(icount);
    }
    // Host time is instructions at the nominal rate plus idling plus stalls, never the wall clock.
    expect(timeline.hostTimeAt(icount)).toBeCloseTo(icount * timeline.nsPerInsn + idle + stalls, 3);
    expect(timeline.guestTimeAt(icount)).toBeLessThanOrEqual(timeline.hostTimeAt(icount));
  }
  return { icount, stalls, idle };
}

describe('time policies', () => {
  it('virtual hides stalls: guest time is instructions and idling alone', () => {
    fc.assert(
      fc.property(nsPerInsnArb, fc.array(stepArb, { maxLength: 30 }), (nsPerInsn, steps) => {
        const timeline = new Timeline('virtual', nsPerInsn);
        const { icount, idle } = play(timeline, steps);
        expect(timeline.guestTimeAt(icount)).toBe(Math.floor(icount * nsPerInsn + idle));
        expect(timeline.stats().backlogNs).toBe(0);
      }),
    );
  });

  it('real adds every stall to guest time at once: guest time is host time', () => {
    fc.assert(
      fc.property(nsPerInsnArb, fc.array(stepArb, { maxLength: 30 }), (nsPerInsn, steps) => {
        const timeline = new Timeline('real', nsPerInsn);
        const { icount } = play(timeline, steps);
        expect(timeline.guestTimeAt(icount)).toBe(Math.floor(timeline.hostTimeAt(icount)));
      }),
    );
  });

  it('icountAt is the first instruction count at which guest time reaches a deadline, under every policy', () => {
    fc.assert(
      fc.property(fc.constantFrom<TimePolicyName>('virtual', 'real', 'catchup'), paramsArb, nsPerInsnArb, fc.array(stepArb, { maxLength: 10 }), fc.array(fc.integer({ min: 0, max: 4_000_000_000 }), { minLength: 1, maxLength: 8 }), (name, params, nsPerInsn, steps, offsets) => {
        const timeline = new Timeline(name, nsPerInsn, params);
        const { icount } = play(timeline, steps);
        const now = timeline.guestTimeAt(icount);
        for (const offset of offsets) {
          const deadline = now + offset;
          const due = timeline.icountAt(deadline);
          expect(due).toBeGreaterThanOrEqual(icount);
          expect(timeline.guestTimeAt(due)).toBeGreaterThanOrEqual(deadline);
          if (due > icount) expect(timeline.guestTimeAt(due - 1)).toBeLessThan(deadline);
        }
      }),
    );
  });

  it('rejects queries before the last event, and bad parameters', () => {
    const timeline = new Timeline('catchup', 1);
    timeline.stall(100, 5);
    expect(() => timeline.guestTimeAt(99)).toThrow(/before the last time event/);
    expect(() => timeline.stall(100, -1)).toThrow(/non-negative/);
    expect(() => new Timeline('catchup', 1, { slew: 0 })).toThrow(/slew/);
    expect(() => new Timeline('catchup', 1, { slew: 0.001 })).toThrow(/slew/);
    expect(() => new Timeline('catchup', 1, { thresholdNs: 10, limitNs: 5 })).toThrow(/limit/);
    expect(() => new Timeline('virtual', 0)).toThrow(/ns per instruction/);
    // set_timer(-1): 2^64 - 1 ticks of 100 ns is no deadline at all.
    expect(timeline.icountAt(2 ** 64 * 100)).toBe(Infinity);
    expect(() => timeline.idleUntil(100, 2 ** 64 * 100)).toThrow(/never comes/);
  });

  it('save and restore reproduce the timeline exactly', () => {
    fc.assert(
      fc.property(paramsArb, fc.array(stepArb, { maxLength: 20 }), fc.array(stepArb, { maxLength: 20 }), (params, before, after) => {
        const a = new Timeline('catchup', 1, params);
        const middle = play(a, before);
        const b = new Timeline('catchup', 1, params);
        b.restore(a.saveState());
        const endA = play(a, after, middle);
        play(b, after, middle);
        expect(b.saveState()).toEqual(a.saveState());
        expect(b.guestTimeAt(endA.icount)).toBe(a.guestTimeAt(endA.icount));
      }),
    );
  });
});

describe('catchup', () => {
  it('guest time is monotonic, never ahead of host time, and converges after the last stall (threshold 0: exactly, less the dropped ticks)', () => {
    fc.assert(
      fc.property(paramsArb, nsPerInsnArb, fc.array(stepArb, { maxLength: 30 }), (params, nsPerInsn, steps) => {
        const timeline = new Timeline('catchup', nsPerInsn, params);
        const { icount } = play(timeline, steps);
        const { droppedNs, backlogNs } = timeline.stats();
        expect(backlogNs).toBeLessThanOrEqual(params.limitNs);
        // Long enough for the whole backlog at the slower of the two rates.
        const later = icount + Math.ceil((backlogNs / params.slew + 1) / nsPerInsn) + 1;
        const owed = timeline.hostTimeAt(later) - droppedNs - timeline.guestTimeAt(later);
        expect(owed).toBeGreaterThanOrEqual(0);
        if (timeline.saveState().catching || params.thresholdNs === 0) expect(owed).toBeLessThan(1);
        else expect(owed).toBeLessThan(params.thresholdNs);
      }),
    );
  });

  it('catches up no faster than 1 + slew times the nominal rate', () => {
    fc.assert(
      fc.property(paramsArb, fc.array(stepArb, { maxLength: 20 }), fc.integer({ min: 1, max: 10_000_000 }), (params, steps, span) => {
        const timeline = new Timeline('catchup', 1, params);
        const { icount } = play(timeline, steps);
        for (const start of [icount, icount + Math.floor(span / 2)]) {
          const gained = timeline.guestTimeAt(start + span) - timeline.guestTimeAt(start);
          expect(gained).toBeGreaterThanOrEqual(span - 1);
          expect(gained).toBeLessThanOrEqual(Math.ceil(span * (1 + params.slew)) + 1);
        }
      }),
    );
  });

  it('a floppy access: time stands still, then runs at double speed until the backlog is delivered', () => {
    const timeline = new Timeline('catchup', 1); // defaults: threshold 1 ms, slew 1, limit 1 s
    expect(timeline.params).toEqual(DEFAULT_CATCHUP);
    expect(timeline.guestTimeAt(1000)).toBe(1000);
    const event = timeline.stall(1000, 250_000_000);
    expect(event).toEqual({ kind: 'stall', icount: 1000, ns: 250_000_000, guestNs: 1000, hostNs: 250_001_000, backlogNs: 250_000_000, droppedNs: 0, rate: 2, catchupEndIcount: 250_001_000 });
    expect(timeline.guestTimeAt(1000 + 100_000_000)).toBe(1000 + 200_000_000);
    expect(timeline.backlogAtIcount(1000 + 100_000_000)).toBe(150_000_000);
    expect(timeline.guestTimeAt(250_001_000)).toBe(timeline.hostTimeAt(250_001_000));
    expect(timeline.guestTimeAt(250_001_000 + 7)).toBe(500_001_007); // back to the nominal rate
    // A timer deadline 10 ms of guest time ahead falls due after 5 ms of instructions while catching up.
    expect(timeline.icountAt(1000 + 10_000_000)).toBe(1000 + 5_000_000);
  });

  it('drops the ticks past the limit: the backlog is capped and the excess never delivered', () => {
    const timeline = new Timeline('catchup', 1, { thresholdNs: 0, slew: 1, limitNs: 300_000_000 });
    timeline.stall(0, 250_000_000);
    const second = timeline.stall(10, 250_000_000); // backlog 249 999 990 + 250 000 000 > 300 ms
    expect(second.backlogNs).toBe(300_000_000);
    expect(second.droppedNs).toBe(199_999_990);
    expect(timeline.stats()).toMatchObject({ droppedNs: 199_999_990, stallNs: 500_000_000, maxBacklogNs: 300_000_000 });
    const later = 10 + 300_000_000 + 5;
    expect(timeline.guestTimeAt(later)).toBe(timeline.hostTimeAt(later) - 199_999_990);
  });

  it('a backlog under the threshold waits; a later stall that crosses it starts the catch-up of all of it', () => {
    const timeline = new Timeline('catchup', 1, { thresholdNs: 1_000_000, slew: 1, limitNs: 1_000_000_000 });
    const small = timeline.stall(0, 600_000);
    expect(small).toMatchObject({ backlogNs: 600_000, rate: 1 });
    expect(small.catchupEndIcount).toBeUndefined();
    expect(timeline.guestTimeAt(5_000_000)).toBe(5_000_000);
    const crossing = timeline.stall(5_000_000, 600_000);
    expect(crossing).toMatchObject({ backlogNs: 1_200_000, rate: 2, catchupEndIcount: 6_200_000 });
    expect(timeline.guestTimeAt(6_200_000)).toBe(timeline.hostTimeAt(6_200_000));
  });

  it('WFI idling during a catch-up delivers backlog too: the idle period is shorter in host time', () => {
    const timeline = new Timeline('catchup', 1);
    timeline.stall(0, 100_000_000);
    const idle = timeline.idleUntil(0, 50_000_000);
    expect(idle).toMatchObject({ kind: 'idle', ns: 25_000_000, guestNs: 50_000_000, hostNs: 125_000_000, backlogNs: 75_000_000, rate: 2 });
    expect(timeline.idleUntil(0, 50_000_000)).toBeUndefined();
  });

  it('real and virtual report stalls without backlog', () => {
    expect(new Timeline('real', 1).stall(10, 500)).toEqual({ kind: 'stall', icount: 10, ns: 500, guestNs: 510, hostNs: 510, backlogNs: 0, droppedNs: 0, rate: 1 });
    expect(new Timeline('virtual', 1).stall(10, 500)).toEqual({ kind: 'stall', icount: 10, ns: 500, guestNs: 10, hostNs: 510, backlogNs: 0, droppedNs: 0, rate: 1 });
  });
});
