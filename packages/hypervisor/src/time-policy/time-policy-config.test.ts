import { describe, expect, it } from 'vitest';
import { DEFAULT_CATCHUP } from './time-policy.js';
import { createTimePolicy, formatTimePolicy, parseDuration, parseTimePolicy } from './time-policy-config.js';

describe('--time', () => {
  it('parses virtual, real and catchup with optional parameters', () => {
    expect(parseTimePolicy('virtual')).toEqual({ name: 'virtual' });
    expect(parseTimePolicy('real')).toEqual({ name: 'real' });
    expect(parseTimePolicy('catchup')).toEqual({ name: 'catchup', catchup: DEFAULT_CATCHUP });
    expect(parseTimePolicy('catchup:threshold=5ms,slew=0.5,limit=2s')).toEqual({ name: 'catchup', catchup: { thresholdNs: 5_000_000, slew: 0.5, limitNs: 2_000_000_000 } });
    expect(parseTimePolicy('catchup:limit=250ms')).toEqual({ name: 'catchup', catchup: { ...DEFAULT_CATCHUP, limitNs: 250_000_000 } });
    expect(formatTimePolicy(parseTimePolicy('catchup:slew=2'))).toBe('catchup:threshold=1000000ns,slew=2,limit=1000000000ns');
    expect(createTimePolicy(parseTimePolicy('real'), 1).name).toBe('real');
  });

  it('rejects unknown policies, keys, units and out-of-range values with a clear message', () => {
    expect(() => parseTimePolicy('wall')).toThrow(/virtual, real or catchup/);
    expect(() => parseTimePolicy('real:slew=1')).toThrow(/only catchup takes parameters/);
    expect(() => parseTimePolicy('catchup:rate=2')).toThrow(/unknown key 'rate'/);
    expect(() => parseTimePolicy('catchup:slew=fast')).toThrow(/slew/);
    expect(() => parseTimePolicy('catchup:slew=0')).toThrow(/slew must be in/);
    expect(() => parseTimePolicy('catchup:threshold=2s,limit=1s')).toThrow(/limit must be/);
    expect(() => parseTimePolicy('catchup:threshold')).toThrow(/key=value/);
  });

  it('reads durations with units as whole nanoseconds', () => {
    expect([parseDuration('60ns'), parseDuration('100us'), parseDuration('1.5ms'), parseDuration('2s')]).toEqual([60, 100_000, 1_500_000, 2_000_000_000]);
    expect(() => parseDuration('10')).toThrow(/unit/);
    expect(() => parseDuration('0.5ns')).toThrow(/whole number/);
  });
});
