import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClockPolicy } from './clock-policy.js';
import { createPolicy } from './create-policy.js';
import { FifoPolicy } from './fifo-policy.js';
import { LruPolicy } from './lru-policy.js';
import { RandomPolicy } from './random-policy.js';
import { formatPolicy, parsePolicy, type ReplacementPolicy } from './replacement-policy.js';

/** The policies' calls, as a pager makes them. `evict` = victim + onUnmap + onMap of the same frame. */
type Op = { kind: 'map' | 'unmap' | 'access' | 'victim' | 'evict'; frame: number; excluded: number | null };

const FRAMES = 6;
const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('map', 'unmap', 'access', 'victim', 'evict'),
  frame: fc.nat(FRAMES - 1),
  excluded: fc.option(fc.nat(FRAMES - 1), { nil: null }),
});

/** A textbook model of each policy over plain arrays, written independently of the real ones. */
interface Model {
  map(frame: number): void;
  unmap(frame: number): void;
  access(frame: number): void;
  victim(eligible: (frame: number) => boolean): number;
}

function queueModel(reorderOnAccess: boolean): Model {
  const queue: number[] = [];
  return {
    map: (frame) => void queue.push(frame),
    unmap: (frame) => void queue.splice(queue.indexOf(frame), 1),
    access: (frame) => {
      if (reorderOnAccess) {
        queue.splice(queue.indexOf(frame), 1);
        queue.push(frame);
      }
    },
    victim: (eligible) => queue.find(eligible) ?? -1,
  };
}

function clockModel(): Model {
  const resident = new Set<number>();
  const referenced = new Set<number>();
  let hand = 0;
  return {
    map: (frame) => {
      resident.add(frame);
      referenced.add(frame);
    },
    unmap: (frame) => {
      resident.delete(frame);
      referenced.delete(frame);
    },
    access: (frame) => void referenced.add(frame),
    victim: (eligible) => {
      // Walk the circle from the hand; each eligible referenced frame gets its second chance.
      const candidates = [...resident].filter(eligible);
      if (candidates.length === 0) return -1;
      for (;;) {
        const frame = hand;
        hand = (hand + 1) % FRAMES;
        if (!resident.has(frame) || !eligible(frame)) continue;
        if (referenced.delete(frame)) continue;
        return frame;
      }
    },
  };
}

/** Drives a policy and its model with the same valid call sequence; returns the policy's victims. */
function drive(policy: ReplacementPolicy, model: Model | undefined, ops: Op[]): number[] {
  const resident = new Set<number>();
  const victims: number[] = [];
  for (const op of ops) {
    const eligible = (frame: number): boolean => frame !== op.excluded;
    switch (op.kind) {
      case 'map':
        if (resident.has(op.frame)) break;
        resident.add(op.frame);
        policy.onMap(op.frame);
        model?.map(op.frame);
        break;
      case 'unmap':
        if (!resident.has(op.frame)) break;
        resident.delete(op.frame);
        policy.onUnmap(op.frame);
        model?.unmap(op.frame);
        break;
      case 'access':
        if (!resident.has(op.frame)) break;
        policy.onAccess(op.frame);
        model?.access(op.frame);
        break;
      case 'victim':
      case 'evict': {
        const victim = policy.victim(eligible);
        if (model !== undefined) expect(victim).toBe(model.victim(eligible));
        const anyEligible = [...resident].some(eligible);
        expect(victim >= 0).toBe(anyEligible);
        if (victim >= 0) {
          expect(resident.has(victim)).toBe(true);
          expect(eligible(victim)).toBe(true);
        }
        victims.push(victim);
        if (op.kind === 'evict' && victim >= 0) {
          policy.onUnmap(victim);
          policy.onMap(victim);
          model?.unmap(victim);
          model?.map(victim);
        }
        break;
      }
    }
  }
  return victims;
}

describe('replacement policies against reference models', () => {
  it('FIFO evicts the oldest mapped eligible frame, whatever the accesses', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => void drive(new FifoPolicy(FRAMES), queueModel(false), ops)));
  });

  it('LRU evicts the least recently mapped-or-accessed eligible frame', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => void drive(new LruPolicy(FRAMES), queueModel(true), ops)));
  });

  it('Clock gives referenced frames a second chance and sweeps in frame order', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => void drive(new ClockPolicy(FRAMES), clockModel(), ops)));
  });

  it('Random picks a resident eligible frame, the same ones for the same seed', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), fc.integer({ min: 0, max: 0xffffffff }), (ops, seed) => {
        const first = drive(new RandomPolicy(FRAMES, seed), undefined, ops);
        expect(drive(new RandomPolicy(FRAMES, seed), undefined, ops)).toEqual(first);
      }),
    );
  });

  it('Random with different seeds chooses differently', () => {
    const ops: Op[] = [];
    for (let frame = 0; frame < FRAMES; frame++) ops.push({ kind: 'map', frame, excluded: null });
    for (let i = 0; i < 40; i++) ops.push({ kind: 'evict', frame: 0, excluded: null });
    const runs = new Set([1, 2, 3, 4, 5].map((seed) => drive(new RandomPolicy(FRAMES, seed), undefined, ops).join(',')));
    expect(runs.size).toBe(5);
  });

  it('LRU and FIFO differ exactly by accesses: an accessed old frame survives under LRU only', () => {
    for (const [policy, expected] of [
      [new FifoPolicy(3), 0],
      [new LruPolicy(3), 1],
    ] as const) {
      policy.onMap(0);
      policy.onMap(1);
      policy.onMap(2);
      policy.onAccess(0);
      expect(policy.victim(() => true)).toBe(expected);
    }
  });

  it('Clock consults the probe (a G-stage accessed bit) as a reference, clearing it', () => {
    const accessed = new Set<number>();
    const victimAfterSetup = (probe?: (frame: number) => boolean): number => {
      const clock = new ClockPolicy(2, probe);
      clock.onMap(0);
      clock.onMap(1);
      // Both referenced by their mapping: the sweep clears both bits and takes frame 0.
      expect(clock.victim(() => true)).toBe(0);
      expect(clock.inspect()).toEqual({ hand: 1, referenced: [] });
      accessed.add(1); // the guest used frame 1's page since: its A bit is set
      return clock.victim(() => true);
    };
    // Frame 1's own bit is clear now; only its accessed bit, seen through the probe, saves it.
    expect(victimAfterSetup()).toBe(1);
    accessed.clear();
    expect(victimAfterSetup((frame) => accessed.delete(frame))).toBe(0);
    expect(accessed.size).toBe(0);
  });
});

describe('parsePolicy', () => {
  it('accepts the four policies and random seeds in decimal or hex', () => {
    expect(parsePolicy('fifo')).toEqual({ name: 'fifo' });
    expect(parsePolicy('lru')).toEqual({ name: 'lru' });
    expect(parsePolicy('clock')).toEqual({ name: 'clock' });
    expect(parsePolicy('random')).toEqual({ name: 'random', seed: 0 });
    expect(parsePolicy('random:42')).toEqual({ name: 'random', seed: 42 });
    expect(parsePolicy('random:0xffffffff')).toEqual({ name: 'random', seed: 0xffffffff });
    expect(formatPolicy(parsePolicy('random'))).toBe('random:0');
    expect(createPolicy(parsePolicy('random:9'), 4).name).toBe('random:9');
  });

  it('rejects unknown names, bad seeds and seeds on other policies with a clear message', () => {
    expect(() => parsePolicy('opt')).toThrow(/fifo, lru, clock or random/);
    expect(() => parsePolicy('random:')).toThrow(/SEED/);
    expect(() => parsePolicy('random:-1')).toThrow(/SEED/);
    expect(() => parsePolicy('random:4294967296')).toThrow(/SEED/);
    expect(() => parsePolicy('random:1e3')).toThrow(/SEED/);
    expect(() => parsePolicy('lru:3')).toThrow(/only random/);
  });
});
