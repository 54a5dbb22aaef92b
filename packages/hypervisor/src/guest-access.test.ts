// Decoding the trapping guest access (MMIO and page-table stores) from the instruction
// or from htinst's transformed form (offset and rs1 zeroed).
import { describe, expect, it } from 'vitest';
import { assemble } from '@hvrr/cpu';
import { amoResult, decodeGuestAccess, isWalkPseudoinstruction } from './guest-access.js';

const one = (src: string) => assemble(src, { base: 0 })[0]!;
/** htinst's transformed form of a load/store: immediate and rs1 cleared. */
const transformed = (insn: number) => ((insn & 0x7f) === 0x23 ? insn & 0x01f0707f : (insn & 0x7f) === 0x03 ? insn & 0x00007fff : insn & ~(31 << 15));

describe('decodeGuestAccess', () => {
  it.each([
    ['lb a0, 5(t0)', { kind: 'load', size: 1, signed: true, rd: 10 }],
    ['lbu s1, -3(a5)', { kind: 'load', size: 1, signed: false, rd: 9 }],
    ['lh t1, 2(a0)', { kind: 'load', size: 2, signed: true, rd: 6 }],
    ['lhu t2, 0(a0)', { kind: 'load', size: 2, signed: false, rd: 7 }],
    ['lw a2, 100(sp)', { kind: 'load', size: 4, signed: false, rd: 12 }],
    ['sb a3, 7(t0)', { kind: 'store', size: 1, rs2: 13 }],
    ['sh a4, -8(t0)', { kind: 'store', size: 2, rs2: 14 }],
    ['sw a5, 12(t0)', { kind: 'store', size: 4, rs2: 15 }],
    ['amoswap.w a0, a1, (a2)', { kind: 'amo', size: 4, rd: 10, rs2: 11, amo: 1 }],
    ['amoadd.w t0, t1, (t2)', { kind: 'amo', size: 4, rd: 5, rs2: 6, amo: 0 }],
  ])('%s, as fetched and as transformed in htinst', (src, want) => {
    const insn = one(src);
    expect(decodeGuestAccess(insn)).toMatchObject(want);
    expect(decodeGuestAccess(transformed(insn))).toMatchObject(want);
  });

  it('anything else is not an access', () => {
    expect(decodeGuestAccess(one('addi a0, a0, 1'))).toBeNull();
    expect(decodeGuestAccess(one('csrr a0, sstatus'))).toBeNull();
    expect(decodeGuestAccess(0x0001)).toBeNull(); // compressed
  });

  it('walk pseudoinstructions are recognised', () => {
    expect(isWalkPseudoinstruction(0x2000)).toBe(true);
    expect(isWalkPseudoinstruction(0x2020)).toBe(true);
    expect(isWalkPseudoinstruction(one('sw a0, 0(a1)'))).toBe(false);
  });

  it('AMO results follow the A extension', () => {
    expect(amoResult(0, 5, -7)).toBe(-2);
    expect(amoResult(16, -1, 3)).toBe(-1);
    expect(amoResult(24, -1, 3)).toBe(3);
    expect(amoResult(20, -1, 3)).toBe(3);
    expect(amoResult(28, -1, 3)).toBe(-1);
    expect(amoResult(12, 0b1100, 0b1010)).toBe(0b1000);
  });
});
