// The G-stage tables the hypervisor builds, read back by the hart's own Sv32x4 walker
// (packages/mmu): every mapped guest page translates to its frame with the leaf's
// permissions, everything else is a guest-page fault.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PhysicalBus, Ram, WALK_GUEST_PAGE_FAULT, walkSv32x4 } from '@hvrr/mmu';
import { GStageTable, G_LEAF_RWX, G_LEAF_RX, SV32X4_ROOT_BYTES } from './g-stage-table.js';

const BASE = 0x80000000;

function setup(tables = 64) {
  const ram = new Ram(BASE, (4 + tables + 256) * 4096);
  const bus = new PhysicalBus(ram);
  let next = BASE + SV32X4_ROOT_BYTES;
  const end = BASE + SV32X4_ROOT_BYTES + tables * 4096;
  const table = new GStageTable(ram, BASE, () => {
    if (next >= end) throw new Error('out of tables');
    const pa = next;
    next += 4096;
    return pa;
  });
  return { ram, bus, table, frame: (i: number) => end + i * 4096 };
}

describe('G-stage (Sv32x4) tables built in host RAM', () => {
  it('hgatp names Sv32x4, the VMID and the root', () => {
    const { table } = setup();
    const h = table.hgatp(5);
    expect(h >>> 31).toBe(1);
    expect((h >>> 22) & 0x7f).toBe(5);
    expect(h & 0x3fffff).toBe(BASE / 4096);
  });

  it('rejects a root that is not 16 KiB-aligned', () => {
    const ram = new Ram(BASE, 64 * 4096);
    expect(() => new GStageTable(ram, BASE + 4096, () => 0)).toThrow(/16 KiB/);
  });

  it('the hart walker finds exactly the mapped pages, also above 4 GiB of guest-physical space', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 22 - 1 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 22 - 1 }), fc.integer({ min: 0, max: 4095 }), (gpns, probe, offset) => {
        const { bus, table, frame } = setup();
        gpns.forEach((gpn, i) => table.map(gpn, frame(i), i % 2 === 0 ? G_LEAF_RWX : G_LEAF_RX));
        const hgatp = table.hgatp(1);
        gpns.forEach((gpn, i) => {
          expect(walkSv32x4(bus, hgatp, gpn, offset, ACCESS_LOAD, false, false)).toBe(frame(i) + offset);
          expect(walkSv32x4(bus, hgatp, gpn, offset, ACCESS_FETCH, false, false)).toBe(frame(i) + offset);
          expect(walkSv32x4(bus, hgatp, gpn, offset, ACCESS_STORE, false, false)).toBe(i % 2 === 0 ? frame(i) + offset : WALK_GUEST_PAGE_FAULT);
          expect(table.frameOf(gpn)).toBe(frame(i));
        });
        if (!gpns.includes(probe)) {
          expect(walkSv32x4(bus, hgatp, probe, offset, ACCESS_LOAD, false, false)).toBe(WALK_GUEST_PAGE_FAULT);
          expect(table.frameOf(probe)).toBe(-1);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('setFlags write-protects and unprotects a mapped page, and ignores an unmapped one', () => {
    const { bus, table, frame } = setup();
    table.map(0x80000, frame(0), G_LEAF_RWX);
    const hgatp = table.hgatp(1);
    expect(table.setFlags(0x80000, G_LEAF_RX)).toBe(true);
    expect(walkSv32x4(bus, hgatp, 0x80000, 0, ACCESS_STORE, false, false)).toBe(WALK_GUEST_PAGE_FAULT);
    expect(table.setFlags(0x80000, G_LEAF_RWX)).toBe(true);
    expect(walkSv32x4(bus, hgatp, 0x80000, 0, ACCESS_STORE, false, false)).toBe(frame(0));
    expect(table.setFlags(0x80001, G_LEAF_RX)).toBe(false);
  });
});
