import { describe, expect, it } from 'vitest';
import { RamFrameMemory } from './frame-memory.js';
import { PAGE_SIZE } from './page-size.js';

describe('RamFrameMemory', () => {
  it('copies whole frames at byteOffset + frame × 4096 and reports each write', () => {
    const ram = new Uint8Array(4 * PAGE_SIZE);
    const writes: [number, number][] = [];
    const memory = new RamFrameMemory(ram, PAGE_SIZE, 3, (at, length) => writes.push([at, length]));
    memory.writeFrame(2, new Uint8Array(PAGE_SIZE).fill(7));
    expect(ram[3 * PAGE_SIZE]).toBe(7);
    expect(ram[3 * PAGE_SIZE - 1]).toBe(0);
    expect(writes).toEqual([[3 * PAGE_SIZE, PAGE_SIZE]]);
    const into = new Uint8Array(PAGE_SIZE);
    memory.readFrame(2, into);
    expect(into.every((b) => b === 7)).toBe(true);
  });

  it('rejects frames outside the pool and pools that do not fit', () => {
    const memory = new RamFrameMemory(new Uint8Array(2 * PAGE_SIZE), 0, 2);
    expect(() => memory.readFrame(2, new Uint8Array(PAGE_SIZE))).toThrow(/outside 0..1/);
    expect(() => new RamFrameMemory(new Uint8Array(2 * PAGE_SIZE), PAGE_SIZE, 2)).toThrow(/does not fit/);
    expect(() => new RamFrameMemory(new Uint8Array(2 * PAGE_SIZE), 100, 1)).toThrow(/aligned/);
  });
});
