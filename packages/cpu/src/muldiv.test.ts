import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { div, divu, mulh, mulhsu, mulhu, rem, remu } from './muldiv.js';

// Reference semantics from the M extension chapter, computed with BigInt.
const s = (v: number) => BigInt(v | 0);
const u = (v: number) => BigInt(v >>> 0);
const toI32 = (v: bigint) => Number(BigInt.asIntN(32, v));

describe('M extension arithmetic', () => {
  const int32 = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0, -1, 1, -0x80000000, 0x7fffffff));

  it('high-half multiplies equal the 64-bit products', () => {
    fc.assert(
      fc.property(int32, int32, (a, b) => {
        expect(mulh(a, b)).toBe(toI32((s(a) * s(b)) >> 32n));
        expect(mulhu(a, b)).toBe(toI32((u(a) * u(b)) >> 32n));
        expect(mulhsu(a, b)).toBe(toI32((s(a) * u(b)) >> 32n));
      }),
      { numRuns: 2000 },
    );
  });

  it('division and remainder follow the spec, including /0 and overflow', () => {
    fc.assert(
      fc.property(int32, int32, (a, b) => {
        if (b === 0) {
          expect(div(a, b)).toBe(-1);
          expect(divu(a, b)).toBe(-1);
          expect(rem(a, b)).toBe(a);
          expect(remu(a, b)).toBe(a);
        } else if (a === -0x80000000 && b === -1) {
          expect(div(a, b)).toBe(a);
          expect(rem(a, b)).toBe(0);
        } else {
          expect(div(a, b)).toBe(toI32(s(a) / s(b)));
          expect(rem(a, b)).toBe(toI32(s(a) % s(b)));
        }
        if (b !== 0) {
          expect(divu(a, b)).toBe(toI32(u(a) / u(b)));
          expect(remu(a, b)).toBe(toI32(u(a) % u(b)));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
