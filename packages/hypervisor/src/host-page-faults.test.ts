import { describe, expect, it } from 'vitest';
import { hpfEvent, timeEvent } from './host-page-faults.js';
import type { BackingOp, FaultResult } from './host-paging/index.js';

const op = (o: BackingOp['op'], ok: boolean, error?: string): BackingOp => ({ op: o, vm: 0, gpn: 1, slot: 0, ok, measuredNs: 5, costNs: o === 'allocate' ? 0 : 100, ...(error ? { error } : {}) });

describe('hpf and time events', () => {
  it('name the store operations in order: failed write-backs, the victim written or dropped, the page read back', () => {
    const result: FaultResult = {
      ok: true, vm: 0, gpn: 0x80042, frame: 3, kind: 'major', latencyNs: 300,
      evicted: { vm: 1, gpn: 0x80007, frame: 3, dirty: false, wrote: false, slot: 4 },
      writeFailures: [op('write', false, 'EIO')],
      ops: [op('write', false, 'EIO'), op('read', true)],
    };
    expect(hpfEvent(77, { vm: 0, gpn: 0x80042, write: true, kind: 'major', result })).toEqual({
      type: 'hpf', icount: 77, gpa: 0x80042000, kind: 'major', write: true,
      victim: { vm: 1, gpa: 0x80007000 }, ops: ['write-failed', 'drop', 'page-in'], latencyNs: 300, errors: ['EIO'],
    });
  });

  it('say why a fault could not be served', () => {
    const result: FaultResult = { ok: false, vm: 0, gpn: 5, fatal: true, message: 'could not be read', latencyNs: 100, writeFailures: [], ops: [op('read', false, 'EIO')] };
    const e = hpfEvent(1, { vm: 0, gpn: 5, write: false, kind: 'minor', result });
    expect(e).toMatchObject({ victim: null, ops: ['read-failed'], errors: ['EIO'], failed: 'could not be read' });
  });

  it('copy what a stall did to the clocks', () => {
    expect(timeEvent(9, { kind: 'stall', icount: 4, ns: 10, guestNs: 1, hostNs: 11, backlogNs: 10, droppedNs: 0, rate: 2, catchupEndIcount: 20 })).toEqual({
      type: 'time', icount: 9, kind: 'stall', ns: 10, guestNs: 1, hostNs: 11, backlogNs: 10, droppedNs: 0, rate: 2,
    });
  });
});
