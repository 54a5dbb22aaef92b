import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GuestClock } from '@hvrr/machine';
import { parseTimePolicy } from './time-policy/index.js';
import { VmTime } from './vm-time.js';

describe('VmTime', () => {
  it('virtual: guest time is the GuestClock exactly (stalls only add to host time), for any ns per instruction', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 3, 7.5, 100), fc.array(fc.tuple(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 1e9 }), fc.boolean()), { maxLength: 30 }), (ns, steps) => {
        const time = new VmTime(ns);
        const clock = new GuestClock(ns);
        let retired = 0;
        let stalls = 0;
        for (const [n, stall, idle] of steps) {
          retired += n;
          if (idle) {
            const deadline = time.ticks(retired) + 17;
            expect(time.idleUntilTicks(retired, deadline)).toBeUndefined();
            clock.skipTo(retired, clock.icountAt(deadline));
          } else {
            const e = time.stall(retired, stall);
            stalls += stall;
            expect(e).toMatchObject({ kind: 'stall', ns: stall, backlogNs: 0, droppedNs: 0, rate: 1 });
          }
          expect(time.ticks(retired)).toBe(clock.mtime(retired));
          expect(time.retiredAtTicks(time.ticks(retired) + 5)).toBe(clock.icountAt(clock.mtime(retired) + 5));
          expect(time.hostNs(retired)).toBe(time.guestNs(retired) + stalls);
        }
      }),
    );
  });

  it('real: a stall moves the guest clock at once; guest time equals host time', () => {
    const time = new VmTime(1, parseTimePolicy('real'));
    expect(time.ticks(1000)).toBe(10);
    time.stall(1000, 250_000_000);
    expect(time.ticks(1000)).toBe(10 + 2_500_000);
    expect(time.guestNs(2000)).toBe(time.hostNs(2000));
    expect(time.retiredAtTicks(2_500_020)).toBe(2000);
  });

  it('catchup: the clock stands still at a stall, then catches up twice as fast; idling counts', () => {
    const time = new VmTime(1, parseTimePolicy('catchup:threshold=1ms,slew=1,limit=1s'));
    const e = time.stall(0, 10_000_000);
    expect(e).toMatchObject({ backlogNs: 10_000_000, rate: 2 });
    expect(time.guestNs(0)).toBe(0);
    expect(time.guestNs(1_000_000)).toBe(2_000_000); // 1 ms of instructions, 2 ms of guest time
    expect(time.backlogNs(1_000_000)).toBe(9_000_000);
    const idle = time.idleUntilTicks(1_000_000, 100_000); // until 10 ms of guest time
    expect(idle).toMatchObject({ kind: 'idle' });
    expect(time.ticks(1_000_000)).toBe(100_000);
    expect(time.guestNs(1_000_000)).toBeLessThanOrEqual(time.hostNs(1_000_000));
    // A timer parked at the end of time is no deadline at all.
    expect(time.idleUntilTicks(1_000_000, 2 ** 64 - 1)).toBeNull();
    const saved = time.saveState();
    const again = new VmTime(1, parseTimePolicy('catchup:threshold=1ms,slew=1,limit=1s'));
    again.restoreState(saved);
    expect(again.guestNs(3_000_000)).toBe(time.guestNs(3_000_000));
    expect(again.totalStallNs).toBe(10_000_000);
  });
});
