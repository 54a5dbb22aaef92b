import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { packPieces, packValue, unpackValue } from './msgpack.js';

describe('packPieces', () => {
  it('writes standard msgpack that reads back as the same map', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 53 - 1), fc.nat(2 ** 32), fc.uint8Array({ maxLength: 70000 }), fc.uint8Array({ maxLength: 10 }), (a, b, x, y) => {
        const pieces = packPieces([
          ['first', a],
          ['count', b],
          ['ctrl', x],
          ['pc', y],
        ]);
        const bytes = Buffer.concat(pieces);
        const back = unpackValue(bytes) as { first: number; count: number; ctrl: Uint8Array; pc: Uint8Array };
        expect(back.first).toBe(a);
        expect(back.count).toBe(b);
        expect(Array.from(back.ctrl)).toEqual(Array.from(x));
        expect(Array.from(back.pc)).toEqual(Array.from(y));
        expect(unpackValue(packValue(back))).toEqual(unpackValue(bytes));
      }),
      { numRuns: 30 },
    );
  });
});
