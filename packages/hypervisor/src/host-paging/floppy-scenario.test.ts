import { describe, expect, it } from 'vitest';
import { createTimePolicy, parseTimePolicy } from '../time-policy/time-policy-config.js';
import { RamFrameMemory } from './frame-memory.js';
import { HostPager } from './host-pager.js';
import { createLatencyModel } from './latency-model.js';
import { MemoryBackingStore } from './memory-backing-store.js';
import { PAGE_SIZE } from './page-size.js';
import { parsePolicy } from './replacement-policy.js';

/**
 * The seeds' scenario at the level of these modules: 640 KiB of host frames (160), a
 * guest that writes a stamp into every page of 3 MiB and then reads them all back, a
 * floppy (250 ms per page transfer), and each time policy fed the pager's stalls.
 */
const FRAMES = 160;
const PAGES = (3 * 1024 * 1024) / PAGE_SIZE;
const INSNS_PER_PAGE = 1000;

function memtouch(policy: string, time: string) {
  const ram = new Uint8Array(FRAMES * PAGE_SIZE);
  const mapped = new Map<number, number>();
  const pager = new HostPager({
    frames: FRAMES,
    policy: parsePolicy(policy),
    backing: new MemoryBackingStore(),
    latency: createLatencyModel('floppy'),
    memory: new RamFrameMemory(ram, 0, FRAMES),
    // Every store goes through fault(…, true) here, so the pager sees all dirtying itself.
    host: {
      unmap: (_vm, gpn) => {
        mapped.delete(gpn);
        return { dirty: false };
      },
    },
  });
  const clock = createTimePolicy(parseTimePolicy(time), 1);
  let icount = 0;
  const phases: { guestNs: number; hostNs: number }[] = [];
  const touch = (gpn: number, write: boolean): number => {
    icount += INSNS_PER_PAGE;
    let frame = mapped.get(gpn);
    if (frame === undefined || write) {
      const fault = pager.fault(0, gpn, write);
      if (!fault.ok) throw new Error(fault.message);
      frame = fault.frame;
      mapped.set(gpn, frame);
      if (fault.latencyNs > 0) clock.stall(icount, fault.latencyNs);
    }
    const at = frame * PAGE_SIZE + (gpn % 1024) * 4;
    if (write) new DataView(ram.buffer).setUint32(at, 0xc0de0000 + gpn, true);
    return new DataView(ram.buffer).getUint32(at, true);
  };
  for (let gpn = 0; gpn < PAGES; gpn++) touch(gpn, true);
  phases.push({ guestNs: clock.guestTimeAt(icount), hostNs: clock.hostTimeAt(icount) });
  let bad = 0;
  for (let gpn = 0; gpn < PAGES; gpn++) if (touch(gpn, false) !== 0xc0de0000 + gpn) bad++;
  phases.push({ guestNs: clock.guestTimeAt(icount), hostNs: clock.hostTimeAt(icount) });
  return { bad, icount, phases, stats: pager.totals(), time: clock.stats(), owed: clock.backlogAtIcount(icount) };
}

describe('memtouch 3 MiB through 640 KiB of frames onto a floppy', () => {
  it.each(['fifo', 'lru', 'clock'])('%s: every page verifies; each page is written out once and read in once', (policy) => {
    const run = memtouch(policy, 'virtual');
    expect(run.bad).toBe(0);
    // A sequential scan larger than the pool: every page leaves dirty once, every read is a page-in,
    // and the 608 pages read back before the end are dropped clean when they leave again.
    expect(run.stats).toMatchObject({ pageOuts: PAGES, pageIns: PAGES, majorFaults: PAGES, cleanDrops: PAGES - FRAMES, writeFailures: 0 });
    expect(run.stats.stallNs).toBe(2 * PAGES * 250_000_000);
  });

  it('random:1 verifies too', () => {
    expect(memtouch('random:1', 'virtual').bad).toBe(0);
  });

  it('virtual hides the 384 s of floppy, real shows all of it, catchup sits between and drops what passes the limit', () => {
    const virtual = memtouch('clock', 'virtual');
    const real = memtouch('clock', 'real');
    const catchup = memtouch('clock', 'catchup');
    const hostNs = virtual.icount + 2 * PAGES * 250_000_000;
    expect(virtual.phases.at(-1)).toEqual({ guestNs: virtual.icount, hostNs });
    expect(real.phases.at(-1)).toEqual({ guestNs: hostNs, hostNs });
    const end = catchup.phases.at(-1)!;
    expect(end.hostNs).toBe(hostNs);
    expect(end.guestNs).toBeGreaterThan(virtual.icount);
    expect(end.guestNs).toBeLessThan(hostNs);
    // With a 1 s limit, the backlog owed never passes 1 s; the rest was dropped.
    expect(catchup.time.maxBacklogNs).toBe(1_000_000_000);
    // Host time = guest time + backlog still owed + ticks dropped.
    expect(hostNs - end.guestNs).toBe(catchup.time.droppedNs + catchup.owed);
    expect(catchup.owed).toBeGreaterThan(0);
  });
});
