import { describe, it, expect } from 'vitest';
import { TimeTravelConsole } from './tt-console.js';

const arrival = (poll: number, text: string) => ({ type: 'input' as const, icount: 0, poll, source: 'console' as const, bytes: new TextEncoder().encode(text) });

describe('TimeTravelConsole', () => {
  it('releases each arrival at its poll and restores its position from two numbers', () => {
    const c = new TimeTravelConsole([arrival(2, 'ab'), arrival(4, 'c')]);
    expect(c.hasInput()).toBe(false); // poll 1
    expect(c.read()).toBe(0x61); // poll 2: "ab" arrives
    const saved = c.save();
    expect(saved).toEqual({ polls: 2, consumed: 1 });
    expect(c.read()).toBe(0x62); // poll 3
    expect(c.read()).toBe(0x63); // poll 4
    expect(c.read()).toBe(-1);
    c.restore(saved);
    expect(c.read()).toBe(0x62);
    expect(c.releasedBy(3)).toBe(2);
    expect(c.releasedBy(4)).toBe(3);
  });
});
