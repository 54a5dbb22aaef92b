import { describe, expect, it } from 'vitest';
import { parseBacking } from './backing-store.js';
import { describeHostPaging, hostMemFrames, parseHostPaging } from './host-paging-config.js';
import { createLatencyModel, defaultLatency, parseLatency } from './latency-model.js';

describe('host paging options', () => {
  it('turns --host-mem into frames: 640K is 160 frames, 8 frames at least, whole pages only', () => {
    expect(hostMemFrames(640 * 1024)).toBe(160);
    expect(hostMemFrames(32 * 1024)).toBe(8);
    expect(() => hostMemFrames(28 * 1024)).toThrow(/at least 8 frames/);
    expect(() => hostMemFrames(640 * 1024 + 1)).toThrow(/multiple of 4 KiB/);
  });

  it('parses --backing memory|file:PATH', () => {
    expect(parseBacking('memory')).toEqual({ kind: 'memory' });
    expect(parseBacking('file:/tmp/swap.img')).toEqual({ kind: 'file', path: '/tmp/swap.img' });
    expect(() => parseBacking('file:')).toThrow(/memory or file:PATH/);
    expect(() => parseBacking('disk')).toThrow(/memory or file:PATH/);
  });

  it('models dram, ssd, hdd and floppy as 60 ns, 100 µs, 10 ms and 250 ms; measured passes the real time', () => {
    expect(['dram', 'ssd', 'hdd', 'floppy'].map((name) => createLatencyModel(parseLatency(name)).costNs('read', 123_456))).toEqual([60, 100_000, 10_000_000, 250_000_000]);
    expect(createLatencyModel('measured').costNs('write', 1234.6)).toBe(1235);
    expect(createLatencyModel('measured').costNs('write', -3)).toBe(0);
    expect(() => parseLatency('tape')).toThrow(/dram, ssd, hdd, floppy or measured/);
  });

  it('defaults: clock, memory backing, dram for memory and measured for a file', () => {
    expect(defaultLatency('memory')).toBe('dram');
    expect(parseHostPaging({ hostMem: 640 * 1024 })).toEqual({ frames: 160, policy: { name: 'clock' }, backing: { kind: 'memory' }, latency: 'dram' });
    expect(parseHostPaging({ hostMem: 1 << 20, backing: 'file:/tmp/x', policy: 'random:5' })).toEqual({ frames: 256, policy: { name: 'random', seed: 5 }, backing: { kind: 'file', path: '/tmp/x' }, latency: 'measured' });
    const floppy = parseHostPaging({ hostMem: 640 * 1024, latency: 'floppy', policy: 'lru' });
    expect(describeHostPaging(floppy)).toBe('640 KiB of host frames, policy lru, backing memory, latency floppy');
  });
});
