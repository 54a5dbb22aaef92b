// G-stage (Sv32x4) and two-stage translation against the privileged spec's H chapter
// ("Guest Physical Address Translation", "Two-Stage Address Translation"): a 16 KiB
// root indexed by gpa[33:22], U=1 required on every leaf, guest-page faults, 34-bit
// guest-physical addresses as page number + offset, and the VS stage's page-table
// accesses going through the G stage as implicit loads/stores.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PhysicalBus } from './physical-bus.js';
import { Ram } from './ram.js';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X, WALK_ACCESS_FAULT, WALK_PAGE_FAULT, type AccessType } from './sv32.js';
import { walkSv32x4, WALK_GUEST_PAGE_FAULT } from './sv32x4.js';
import { GPF_EXPLICIT, GPF_IMPLICIT_READ, GPF_IMPLICIT_WRITE, guestWalkContext, walkTwoStage } from './two-stage.js';

const RAM_BASE = 0x80000000;
const RAM_SIZE = 1024 * 1024;
/** G-stage root: 16 KiB, 16 KiB aligned. */
const G_ROOT = 0x80010000;
const G_L0 = 0x80014000;
const HGATP = (0x80000000 | (G_ROOT / 4096)) >>> 0 | 0;
const RWXU = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U;

function machine(): { bus: PhysicalBus; ram: Ram } {
  const ram = new Ram(RAM_BASE, RAM_SIZE);
  ram.u8.fill(0);
  return { bus: new PhysicalBus(ram), ram };
}

function put(ram: Ram, pa: number, value: number): void {
  ram.i32[(pa - RAM_BASE) >>> 2] = value;
}

function get(ram: Ram, pa: number): number {
  return ram.i32[(pa - RAM_BASE) >>> 2]! >>> 0;
}

/** A PTE pointing at machine/guest-physical page number `ppn`. */
const pte = (ppn: number, flags: number) => ((ppn << 10) | flags) >>> 0 | 0;

describe('walkSv32x4 (G stage)', () => {
  it('Bare passes 34-bit guest-physical addresses through unchanged', () => {
    const { bus } = machine();
    expect(walkSv32x4(bus, 0, 0x300001, 0x234, ACCESS_LOAD, false, false)).toBe(0x300001234);
    expect(walkSv32x4(bus, 0, 0x80000, 0, ACCESS_STORE, false, false)).toBe(0x80000000);
  });

  it('indexes the 16 KiB root with gpa[33:22]: a gpa above 4 GiB maps through root entry 3072', () => {
    const { bus, ram } = machine();
    // gpa 0x3_0000_5000: page 0x300005, root index 0xc00, level-0 index 5.
    put(ram, G_ROOT + 0xc00 * 4, pte(G_L0 / 4096, PTE_V));
    put(ram, G_L0 + 5 * 4, pte(0x80020, RWXU | PTE_A | PTE_D));
    expect(walkSv32x4(bus, HGATP, 0x300005, 0x10, ACCESS_LOAD, false, false)).toBe(0x80020010);
    // Root entries below 1024 are still there too (gpa under 4 GiB).
    put(ram, G_ROOT + 0x200 * 4, pte(0x80000, RWXU | PTE_A | PTE_D));
    expect(walkSv32x4(bus, HGATP, 0x80003, 0x8, ACCESS_FETCH, false, false)).toBe(0x80003008);
  });

  it('ignores hgatp.PPN[1:0] (the root is 16 KiB aligned)', () => {
    const { bus, ram } = machine();
    put(ram, G_ROOT + 0x200 * 4, pte(0x80000, RWXU | PTE_A | PTE_D));
    expect(walkSv32x4(bus, HGATP | 3, 0x80001, 4, ACCESS_LOAD, false, false)).toBe(0x80001004);
  });

  it('checks every access as U-mode: a leaf without U is a guest-page fault', () => {
    const { bus, ram } = machine();
    put(ram, G_ROOT + 0x200 * 4, pte(0x80000, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D));
    for (const access of [ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE] as AccessType[]) expect(walkSv32x4(bus, HGATP, 0x80001, 0, access, false, false)).toBe(WALK_GUEST_PAGE_FAULT);
  });

  it('needs X to fetch, R (or X with MXR) to load, X alone for HLVX, W to store', () => {
    const { bus, ram } = machine();
    put(ram, G_ROOT + 0x200 * 4, pte(G_L0 / 4096, PTE_V));
    put(ram, G_L0 + 1 * 4, pte(0x80001, PTE_V | PTE_U | PTE_X | PTE_A)); // execute-only
    put(ram, G_L0 + 2 * 4, pte(0x80002, PTE_V | PTE_U | PTE_R | PTE_A)); // read-only
    expect(walkSv32x4(bus, HGATP, 0x80001, 0, ACCESS_FETCH, false, false)).toBe(0x80001000);
    expect(walkSv32x4(bus, HGATP, 0x80001, 0, ACCESS_LOAD, false, false)).toBe(WALK_GUEST_PAGE_FAULT);
    expect(walkSv32x4(bus, HGATP, 0x80001, 0, ACCESS_LOAD, true, false)).toBe(0x80001000);
    expect(walkSv32x4(bus, HGATP, 0x80001, 0, ACCESS_LOAD, false, true)).toBe(0x80001000);
    expect(walkSv32x4(bus, HGATP, 0x80002, 0, ACCESS_LOAD, false, true)).toBe(WALK_GUEST_PAGE_FAULT);
    expect(walkSv32x4(bus, HGATP, 0x80002, 0, ACCESS_FETCH, false, false)).toBe(WALK_GUEST_PAGE_FAULT);
    expect(walkSv32x4(bus, HGATP, 0x80002, 0, ACCESS_STORE, false, false)).toBe(WALK_GUEST_PAGE_FAULT);
    expect(walkSv32x4(bus, HGATP, 0x80003, 0, ACCESS_LOAD, false, false)).toBe(WALK_GUEST_PAGE_FAULT); // invalid
  });

  it('sets A on any access and D on stores, as the Sv32 walker does', () => {
    const { bus, ram } = machine();
    put(ram, G_ROOT + 0x200 * 4, pte(G_L0 / 4096, PTE_V));
    put(ram, G_L0 + 1 * 4, pte(0x80001, RWXU));
    walkSv32x4(bus, HGATP, 0x80001, 0, ACCESS_LOAD, false, false);
    expect(get(ram, G_L0 + 4) & (PTE_A | PTE_D)).toBe(PTE_A);
    walkSv32x4(bus, HGATP, 0x80001, 0, ACCESS_STORE, false, false);
    expect(get(ram, G_L0 + 4) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
  });

  it('maps 4 MiB superpages and faults on a misaligned one', () => {
    const { bus, ram } = machine();
    put(ram, G_ROOT + 0x201 * 4, pte(0x80000, RWXU | PTE_A | PTE_D));
    expect(walkSv32x4(bus, HGATP, 0x80412, 0x345, ACCESS_LOAD, false, false)).toBe(0x80012345);
    put(ram, G_ROOT + 0x202 * 4, pte(0x80001, RWXU | PTE_A | PTE_D));
    expect(walkSv32x4(bus, HGATP, 0x80800, 0, ACCESS_LOAD, false, false)).toBe(WALK_GUEST_PAGE_FAULT);
  });

  it('reports an access fault when a G-stage PTE is not in memory', () => {
    const { bus, ram } = machine();
    put(ram, G_ROOT + 0x200 * 4, pte(0x1000, PTE_V)); // level-0 table at 0x01000000: nothing there
    expect(walkSv32x4(bus, HGATP, 0x80001, 0, ACCESS_LOAD, false, false)).toBe(WALK_ACCESS_FAULT);
  });

  it('agrees with the spec algorithm on random tables (property)', () => {
    // Random leaf/pointer PTEs in a level-0 table and the root entry for 0x80000000-0x803fffff.
    const flagsArb = fc.integer({ min: 0, max: 0xff });
    fc.assert(
      fc.property(fc.array(flagsArb, { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 7 }), fc.constantFrom<AccessType>(0, 1, 2), fc.boolean(), fc.boolean(), (flags, page, access, mxr, hlvx) => {
        const { bus, ram } = machine();
        put(ram, G_ROOT + 0x200 * 4, pte(G_L0 / 4096, PTE_V));
        for (let i = 0; i < 8; i++) put(ram, G_L0 + i * 4, pte(0x80040 + i, flags[i]!));
        const f = flags[page]!;
        const got = walkSv32x4(bus, HGATP, 0x80000 + page, 0x10, access, mxr, hlvx && access === ACCESS_LOAD);
        // Reference: the spec's steps for a level-0 leaf.
        const v = f & PTE_V, r = f & PTE_R, w = f & PTE_W, x = f & PTE_X, u = f & PTE_U;
        let expected: number;
        if (!v || (!r && w)) expected = WALK_GUEST_PAGE_FAULT;
        else if (!r && !x) expected = WALK_GUEST_PAGE_FAULT; // a pointer at level 0
        else if (!u) expected = WALK_GUEST_PAGE_FAULT;
        else if (access === ACCESS_FETCH ? !x : access === ACCESS_STORE ? !w : hlvx ? !x : !(r || (mxr && x))) expected = WALK_GUEST_PAGE_FAULT;
        else expected = (0x80040 + page) * 4096 + 0x10;
        expect(got).toBe(expected);
        if (expected >= 0) {
          const need = access === ACCESS_STORE ? PTE_A | PTE_D : PTE_A;
          expect(get(ram, G_L0 + page * 4) & need).toBe(need);
        }
      }),
    );
  });
});

describe('walkTwoStage (VS stage through the G stage)', () => {
  // Guest-physical layout: VS root table at gpa 0x80030000, which the G stage maps to
  // machine 0x80050000; guest data page gpa 0x80031000 -> machine 0x80051000.
  const VS_ROOT_GPA = 0x80030;
  const VSATP = (0x80000000 | VS_ROOT_GPA) | 0;
  const VS_L0_GPA = 0x80032;

  function setup(gFlagsForTables = RWXU | PTE_A | PTE_D) {
    const m = machine();
    const { ram } = m;
    put(ram, G_ROOT + 0x200 * 4, pte(G_L0 / 4096, PTE_V));
    put(ram, G_L0 + 0x30 * 4, pte(0x80050, gFlagsForTables)); // VS root
    put(ram, G_L0 + 0x32 * 4, pte(0x80052, gFlagsForTables)); // VS level 0
    put(ram, G_L0 + 0x31 * 4, pte(0x80051, RWXU | PTE_A | PTE_D)); // data
    // VS: va 0x00400000 -> root[1] -> level 0 (gpa 0x80032000) -> [0] -> gpa 0x80031000.
    put(ram, 0x80050000 + 1 * 4, pte(VS_L0_GPA, PTE_V));
    put(ram, 0x80052000 + 0 * 4, pte(0x80031, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D));
    return m;
  }

  it('translates guest virtual -> guest physical -> machine physical, reading PTEs through the G stage', () => {
    const { bus } = setup();
    const ctx = guestWalkContext();
    ctx.priv = 1;
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400abc, ACCESS_LOAD, ctx)).toBe(0x80051abc);
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400abc, ACCESS_STORE, ctx)).toBe(0x80051abc);
  });

  it('with vsatp Bare the guest virtual address is the guest-physical one', () => {
    const { bus } = setup();
    const ctx = guestWalkContext();
    expect(walkTwoStage(bus, 0, HGATP, 0x80031010, ACCESS_LOAD, ctx)).toBe(0x80051010);
    expect(walkTwoStage(bus, 0, HGATP, 0x80033010, ACCESS_LOAD, ctx)).toBe(WALK_GUEST_PAGE_FAULT);
    expect(ctx.faultKind).toBe(GPF_EXPLICIT);
    expect(ctx.faultGpaPage).toBe(0x80033);
    expect(ctx.faultGpaOffset).toBe(0x010);
  });

  it('a G-stage fault on a VS page-table read is an implicit-read guest-page fault at the PTE gpa', () => {
    const { bus, ram } = setup();
    put(ram, G_L0 + 0x32 * 4, 0); // the VS level-0 table is not mapped in the G stage
    const ctx = guestWalkContext();
    ctx.priv = 1;
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400000, ACCESS_FETCH, ctx)).toBe(WALK_GUEST_PAGE_FAULT);
    expect(ctx.faultKind).toBe(GPF_IMPLICIT_READ);
    expect(ctx.faultGpaPage).toBe(VS_L0_GPA);
    expect(ctx.faultGpaOffset).toBe(0);
  });

  it('a G-stage refusal of the A/D update of a VS PTE is an implicit-write guest-page fault', () => {
    const { bus, ram } = setup();
    // The VS level-0 table is read-only at the G stage and its leaf lacks D.
    put(ram, G_L0 + 0x32 * 4, pte(0x80052, PTE_V | PTE_R | PTE_U | PTE_A));
    put(ram, 0x80052000, pte(0x80031, PTE_V | PTE_R | PTE_W | PTE_A));
    const ctx = guestWalkContext();
    ctx.priv = 1;
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400004, ACCESS_LOAD, ctx)).toBe(0x80051004); // A already set
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400004, ACCESS_STORE, ctx)).toBe(WALK_GUEST_PAGE_FAULT);
    expect(ctx.faultKind).toBe(GPF_IMPLICIT_WRITE);
    expect(ctx.faultGpaPage).toBe(VS_L0_GPA);
    expect(get(ram, 0x80052000) & PTE_D).toBe(0);
  });

  it('VS-stage faults are ordinary page faults; SUM and vsstatus.MXR act at the VS stage only', () => {
    const { bus, ram } = setup();
    const ctx = guestWalkContext();
    ctx.priv = 0;
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400000, ACCESS_LOAD, ctx)).toBe(WALK_PAGE_FAULT); // not a U page
    // A U page, read by VS with and without SUM.
    put(ram, 0x80052000, pte(0x80031, PTE_V | PTE_R | PTE_U | PTE_A));
    ctx.priv = 1;
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400000, ACCESS_LOAD, ctx)).toBe(WALK_PAGE_FAULT);
    ctx.sum = true;
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400000, ACCESS_LOAD, ctx)).toBe(0x80051000);
    // Execute-only at the VS stage: readable with vsMxr, as long as the G stage allows reads.
    put(ram, 0x80052000, pte(0x80031, PTE_V | PTE_X | PTE_A));
    ctx.sum = false;
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400000, ACCESS_LOAD, ctx)).toBe(WALK_PAGE_FAULT);
    ctx.vsMxr = true;
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400000, ACCESS_LOAD, ctx)).toBe(0x80051000);
    put(ram, G_L0 + 0x31 * 4, pte(0x80051, PTE_V | PTE_X | PTE_U | PTE_A)); // execute-only at the G stage too
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400000, ACCESS_LOAD, ctx)).toBe(WALK_GUEST_PAGE_FAULT);
    ctx.gMxr = true;
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400000, ACCESS_LOAD, ctx)).toBe(0x80051000);
  });

  it('follows a VS leaf to a guest-physical page above 4 GiB (34-bit gpa)', () => {
    const { bus, ram } = setup();
    // VS leaf -> gpa page 0x300007 (gpa 0x3_0000_7000); G root entry 0xc00 -> level 0 -> machine 0x80060000.
    put(ram, 0x80052000, pte(0x300007, PTE_V | PTE_R | PTE_A));
    const G_HIGH_L0 = 0x80018000;
    put(ram, G_ROOT + 0xc00 * 4, pte(G_HIGH_L0 / 4096, PTE_V));
    put(ram, G_HIGH_L0 + 7 * 4, pte(0x80060, RWXU | PTE_A));
    const ctx = guestWalkContext();
    ctx.priv = 1;
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400123, ACCESS_LOAD, ctx)).toBe(0x80060123);
    put(ram, G_HIGH_L0 + 7 * 4, 0);
    expect(walkTwoStage(bus, VSATP, HGATP, 0x00400123, ACCESS_LOAD, ctx)).toBe(WALK_GUEST_PAGE_FAULT);
    expect(ctx.faultGpaPage).toBe(0x300007);
    expect(ctx.faultGpaOffset).toBe(0x123);
  });

  it('agrees with the spec composition of the two stages on random permissions (property)', () => {
    // The spec's rules, step by step, for a level-0 VS leaf whose table and data page
    // each have a random G-stage leaf. Results: a machine address, or the fault and,
    // for a guest-page fault, which access it was.
    const gOk = (f: number, access: AccessType, mxr: boolean, hlvx: boolean): boolean => {
      const v = f & PTE_V, r = f & PTE_R, w = f & PTE_W, x = f & PTE_X, u = f & PTE_U;
      if (!v || (!r && w) || (!r && !x) || !u) return false;
      if (access === ACCESS_FETCH) return x !== 0;
      if (access === ACCESS_STORE) return w !== 0;
      return hlvx ? x !== 0 : r !== 0 || (mxr && x !== 0);
    };
    const flags = fc.integer({ min: 0, max: 0xff });
    fc.assert(
      fc.property(
        fc.record({ vsLeaf: flags, gTable: flags, gData: flags, access: fc.constantFrom<AccessType>(0, 1, 2), priv: fc.constantFrom(0, 1), sum: fc.boolean(), vsMxr: fc.boolean(), gMxr: fc.boolean(), hlvx: fc.boolean() }),
        (c) => {
          const hlvx = c.hlvx && c.access === ACCESS_LOAD;
          const { bus, ram } = setup(c.gTable);
          put(ram, G_L0 + 0x31 * 4, pte(0x80051, c.gData));
          put(ram, 0x80052000, pte(0x80031, c.vsLeaf));
          const ctx = guestWalkContext();
          Object.assign(ctx, { priv: c.priv, sum: c.sum, vsMxr: c.vsMxr || c.gMxr, gMxr: c.gMxr, hlvx });
          const got = walkTwoStage(bus, VSATP, HGATP, 0x00400010, c.access, ctx);
          const expected = ((): [number, number?] => {
            if (!gOk(c.gTable, ACCESS_LOAD, false, false)) return [WALK_GUEST_PAGE_FAULT, GPF_IMPLICIT_READ];
            const f = c.vsLeaf;
            const v = f & PTE_V, r = f & PTE_R, w = f & PTE_W, x = f & PTE_X, u = f & PTE_U;
            if (!v || (!r && w) || (!r && !x)) return [WALK_PAGE_FAULT];
            if (c.access === ACCESS_FETCH ? (c.priv === 0 ? !u : u) : c.priv === 0 ? !u : u && !c.sum) return [WALK_PAGE_FAULT];
            const permitted = c.access === ACCESS_FETCH ? x : c.access === ACCESS_STORE ? w : hlvx ? x : r || ((c.vsMxr || c.gMxr) && x);
            if (!permitted) return [WALK_PAGE_FAULT];
            const need = c.access === ACCESS_STORE ? PTE_A | PTE_D : PTE_A;
            if ((f & need) !== need && !gOk(c.gTable, ACCESS_STORE, false, false)) return [WALK_GUEST_PAGE_FAULT, GPF_IMPLICIT_WRITE];
            if (!gOk(c.gData, c.access, c.gMxr, hlvx)) return [WALK_GUEST_PAGE_FAULT, GPF_EXPLICIT];
            return [0x80051010];
          })();
          expect(got).toBe(expected[0]);
          if (got === WALK_GUEST_PAGE_FAULT) expect(ctx.faultKind).toBe(expected[1]);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
