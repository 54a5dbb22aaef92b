// The shadow strategy's walk of the guest's tables against the hart's own Sv32 walk (the
// walk the hart makes of VS-stage tables under nested): fast-check builds random
// two-level tables, addresses, privileges and SUM/MXR; both must agree on the address or
// the fault and on the A/D bits written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PTE_V, PhysicalBus, Ram, WALK_ACCESS_FAULT, WALK_PAGE_FAULT, walkSv32, type AccessType } from '@hvrr/mmu';
import { walkGuestSv32, type GuestWords } from './shadow-guest-walk.js';

const BASE = 0x80000000;
const SIZE = 16 * 1024;
const SATP = (0x80000000 | (BASE / 4096)) >>> 0;

function wordsOf(ram: Ram): GuestWords {
  return {
    read: (gpa) => (gpa >= BASE && gpa + 4 <= BASE + SIZE ? ram.i32[(gpa - BASE) >>> 2]! : null),
    write: (gpa, v) => void (ram.i32[(gpa - BASE) >>> 2] = v),
  };
}

const ppnArb = fc.oneof(fc.integer({ min: 0, max: 0x3fffff }), fc.constantFrom(0x80000, 0x80001, 0x80002, 0x80400, 0x10000));
const pteArb = fc.tuple(ppnArb, fc.integer({ min: 0, max: 0x3ff })).map(([ppn, flags]) => (ppn * 1024 + flags) >>> 0);

describe('walkGuestSv32', () => {
  it('agrees with the hart walk on the result and the A/D bits written', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.oneof(fc.constant((0x80001 * 1024 + PTE_V) >>> 0), pteArb),
        pteArb,
        fc.constantFrom<AccessType>(ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE),
        fc.record({ priv: fc.constantFrom(0, 1), sum: fc.boolean(), mxr: fc.boolean() }),
        (va, rootPte, leafPte, access, ctx) => {
          const hartRam = new Ram(BASE, SIZE);
          const guestRam = new Ram(BASE, SIZE);
          for (const ram of [hartRam, guestRam]) {
            ram.i32[va >>> 22] = rootPte;
            ram.i32[1024 + ((va >>> 12) & 0x3ff)] = leafPte;
          }
          const expected = walkSv32(new PhysicalBus(hartRam), SATP, va, access, { ...ctx });
          const got = walkGuestSv32(wordsOf(guestRam), SATP | 0, va, access, ctx.priv, ctx.sum, ctx.mxr);
          const asHart = got.kind === 'ok' ? got.gpa : got.kind === 'page-fault' ? WALK_PAGE_FAULT : WALK_ACCESS_FAULT;
          expect(asHart).toBe(expected);
          expect(Buffer.compare(guestRam.u8, hartRam.u8)).toBe(0);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('Bare: the guest-physical address is the virtual one', () => {
    const ram = new Ram(BASE, SIZE);
    expect(walkGuestSv32(wordsOf(ram), 0, 0x10000004, ACCESS_STORE, 1, false, false)).toMatchObject({ kind: 'ok', gpa: 0x10000004 });
  });
});
