// The physical bus: RAM at its base, devices by region, access faults where nothing
// answers, and the observer that turns device accesses into events.
import { describe, expect, it } from 'vitest';
import { PhysicalBus } from './physical-bus.js';
import { Ram } from './ram.js';
import { Tlb, TLB_MASK } from './tlb.js';
import type { MmioDevice } from './mmio-device.js';

function recordingDevice(name: string): MmioDevice & { log: string[] } {
  const log: string[] = [];
  return {
    name,
    log,
    read: (offset, size) => {
      log.push(`r ${offset} ${size}`);
      return 0xa0 + offset;
    },
    write: (offset, size, value) => void log.push(`w ${offset} ${size} ${value}`),
  };
}

describe('PhysicalBus', () => {
  it('reads and writes RAM little-endian at every width and marks written pages dirty', () => {
    const ram = new Ram(0x80000000, 16384);
    const bus = new PhysicalBus(ram);
    ram.dirty.fill(0);
    bus.write(0x80001000, 4, 0x11223344);
    bus.write(0x80001004, 2, 0xbeef);
    bus.write(0x80001006, 1, 0x7f);
    expect(bus.read(0x80001000, 1)).toBe(0x44);
    expect(bus.read(0x80001002, 2)).toBe(0x1122);
    expect(bus.read(0x80001004, 4) >>> 0).toBe(0x7fbeef);
    expect([...ram.dirty]).toEqual([0, 1, 0, 0]);
    expect(bus.fault).toBe(false);
  });

  it('sends device accesses to the device at their offset, and tells the observer', () => {
    const bus = new PhysicalBus(new Ram(0x80000000, 4096));
    const dev = recordingDevice('dev');
    bus.addDevice(0x10000000, 0x100, dev);
    const seen: string[] = [];
    bus.observer = (op, pa, size, value, device) => void seen.push(`${op} ${pa.toString(16)} ${size} ${value} ${device.name}`);
    expect(bus.read(0x10000005, 1)).toBe(0xa5);
    bus.write(0x10000010, 4, 99);
    expect(dev.log).toEqual(['r 5 1', 'w 16 4 99']);
    expect(seen).toEqual(['read 10000005 1 165 dev', 'write 10000010 4 99 dev']);
    expect(bus.fault).toBe(false);
  });

  it('flags an access fault where nothing answers, or where an access runs off a device or RAM', () => {
    const bus = new PhysicalBus(new Ram(0x80000000, 4096));
    bus.addDevice(0x10000000, 0x100, recordingDevice('dev'));
    for (const [pa, size] of [
      [0x0, 4],
      [0x20000000, 1],
      [0x100000fe, 4],
      [0x80000ffe, 4],
      [0x80001000, 1],
    ] as const) {
      bus.fault = false;
      bus.read(pa, size);
      expect(bus.fault, `read 0x${pa.toString(16)}`).toBe(true);
      bus.fault = false;
      bus.write(pa, size, 1);
      expect(bus.fault, `write 0x${pa.toString(16)}`).toBe(true);
    }
  });

  it('refuses overlapping device regions', () => {
    const bus = new PhysicalBus(new Ram(0x80000000, 4096));
    bus.addDevice(0x10000000, 0x100, recordingDevice('a'));
    expect(() => bus.addDevice(0x100000ff, 0x10, recordingDevice('b'))).toThrow(/overlaps/);
    expect(() => bus.addDevice(0x10000100, 0x10, recordingDevice('c'))).not.toThrow();
  });

  it('Ram rejects sizes that are not whole pages', () => {
    expect(() => new Ram(0x80000000, 1000)).toThrow(RangeError);
    expect(new Ram(0x80000000, 8192).offsetOf(0x80001fff)).toBe(0x1fff);
    expect(new Ram(0x80000000, 8192).offsetOf(0x80002000)).toBe(-1);
  });
});

describe('Tlb', () => {
  it('maps a virtual page to a RAM offset until flushed, by page or entirely', () => {
    const tlb = new Tlb();
    tlb.fill(0x40000, 0x3000);
    tlb.fill(0x40001, 0x5000);
    const slot = (vpn: number) => vpn & TLB_MASK;
    expect(tlb.tag[slot(0x40000)]).toBe(0x40000);
    expect(tlb.off[slot(0x40001)]).toBe(0x5000);
    // A page with the same slot but another tag does not hit, and flushPage of it is a no-op.
    tlb.flushPage(0x40000 + TLB_MASK + 1);
    expect(tlb.tag[slot(0x40000)]).toBe(0x40000);
    tlb.flushPage(0x40000);
    expect(tlb.tag[slot(0x40000)]).toBe(-1);
    expect(tlb.tag[slot(0x40001)]).toBe(0x40001);
    tlb.flush();
    expect(tlb.tag.every((t) => t === -1)).toBe(true);
  });
});
