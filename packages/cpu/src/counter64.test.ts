import { describe, expect, it } from 'vitest';
import { Counter64 } from './counter64.js';

describe('Counter64', () => {
  it('counts retired instructions from zero', () => {
    const c = new Counter64();
    expect(c.value(0)).toBe(0n);
    expect(c.low(1234)).toBe(1234);
    expect(c.high(1234)).toBe(0);
  });

  it('a write is what the next instruction reads: the writer does not count itself', () => {
    const c = new Counter64();
    c.setLow(100, 5); // written by the instruction retiring as number 100
    expect(c.low(101)).toBe(5);
    expect(c.low(111)).toBe(15);
  });

  it('carries from the low half into the high half and wraps at 2^64', () => {
    const c = new Counter64();
    c.setLow(0, -1);
    c.setHigh(1, 0);
    expect(c.low(2)).toBe(-1);
    expect(c.low(3)).toBe(0);
    expect(c.high(3)).toBe(1);
    c.setHigh(10, -1);
    c.setLow(11, -1);
    expect(c.value(12)).toBe((1n << 64n) - 1n);
    expect(c.value(13)).toBe(0n);
  });

  it('stands still while inhibited and resumes from where it stood', () => {
    const c = new Counter64();
    c.setInhibited(9, true); // freezes after instruction 9 retires: value 10
    expect(c.value(50)).toBe(10n);
    c.setInhibited(50, false);
    expect(c.value(51)).toBe(10n);
    expect(c.value(61)).toBe(20n);
  });

  it('saves and restores its state', () => {
    const c = new Counter64();
    c.setLow(3, 77);
    const saved = c.save();
    const d = new Counter64();
    d.restore(saved);
    expect(d.value(100)).toBe(c.value(100));
  });
});
