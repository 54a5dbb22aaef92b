import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GuestClock } from './guest-clock.js';

describe('GuestClock', () => {
  it('ticks the 10 MHz timebase every 100 instructions at 1 ns each', () => {
    const c = new GuestClock();
    expect(c.mtime(99)).toBe(0);
    expect(c.mtime(100)).toBe(1);
    expect(c.mtime(1_000_000)).toBe(10_000);
  });

  it('icountAt is the first count whose mtime reaches the deadline', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.constantFrom(1, 2, 3, 7, 100, 250), fc.integer({ min: 0, max: 1e6 }), (ticks, ns, idle) => {
        const c = new GuestClock(ns);
        c.idleInsns = idle;
        const at = c.icountAt(ticks);
        expect(c.mtime(at)).toBeGreaterThanOrEqual(ticks);
        if (at - 1 >= -idle) expect(c.mtime(at - 1)).toBeLessThan(ticks);
      }),
    );
  });

  it('WFI skipping moves time, not the instruction count', () => {
    const c = new GuestClock();
    c.skipTo(1000, c.icountAt(500));
    expect(c.mtime(1000)).toBe(500);
    c.skipTo(1000, c.icountAt(5000));
    expect(c.mtime(1000)).toBe(5000);
    // A deadline already passed skips nothing.
    c.skipTo(1000, c.icountAt(10));
    expect(c.mtime(1000)).toBe(5000);
  });

  it('rejects a nonsensical rate', () => {
    expect(() => new GuestClock(0)).toThrow(RangeError);
    expect(() => new GuestClock(Number.NaN)).toThrow(RangeError);
  });
});
