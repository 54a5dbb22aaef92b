import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { crc32 } from './crc32.js';

describe('crc32', () => {
  it('gives the check value of the CRC-32 catalogue for "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('is 0 for no bytes and matches a known value for one zero byte', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new Uint8Array(1))).toBe(0xd202ef8d);
  });

  it('equals the bitwise definition on any bytes, and can be continued piecewise', () => {
    const bitwise = (b: Uint8Array) => {
      let c = 0xffffffff;
      for (const byte of b) {
        c ^= byte;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return ~c >>> 0;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(100), (bytes, cut) => {
        const k = Math.min(cut, bytes.length);
        expect(crc32(bytes)).toBe(bitwise(bytes));
        expect(crc32(bytes, crc32(bytes, 0, 0, k), k)).toBe(bitwise(bytes));
      }),
    );
  });
});

describe('crc32 on views', () => {
  it('gives the same result for the same bytes at any byte offset of their buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(7), (bytes, off) => {
        const backing = new Uint8Array(bytes.length + off);
        backing.set(bytes, off);
        expect(crc32(backing.subarray(off))).toBe(crc32(bytes.slice()));
      }),
    );
  });
});
