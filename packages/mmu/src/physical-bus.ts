import type { MmioDevice } from './mmio-device.js';
import { Ram } from './ram.js';

interface MmioRegion {
  base: number;
  size: number;
  device: MmioDevice;
}

/** Observes device accesses (the machine turns them into mmio events). */
export type MmioObserver = (op: 'read' | 'write', pa: number, size: 1 | 2 | 4, value: number, device: MmioDevice) => void;

/**
 * The physical address space: RAM plus MMIO regions. This is the slow path; the
 * interpreter reaches RAM directly through its TLBs and comes here for devices,
 * misaligned accesses and TLB misses.
 *
 * Physical addresses may be up to 34 bits (Sv32 PPNs are 22 bits), so they are plain
 * non-negative numbers here, never int32.
 */
export class PhysicalBus {
  readonly ram: Ram;
  private readonly regions: MmioRegion[] = [];
  /** Set by read/write when nothing answers at the address (an access fault). */
  fault = false;
  observer: MmioObserver | null = null;

  constructor(ram: Ram) {
    this.ram = ram;
  }

  addDevice(base: number, size: number, device: MmioDevice): void {
    for (const r of this.regions) {
      if (base < r.base + r.size && r.base < base + size) throw new Error(`MMIO region ${device.name} overlaps ${r.device.name}`);
    }
    this.regions.push({ base, size, device });
  }

  deviceAt(pa: number): MmioRegion | undefined {
    for (const r of this.regions) if (pa >= r.base && pa < r.base + r.size) return r;
    return undefined;
  }

  /** Reads `size` bytes (naturally aligned) at pa; sets `fault` when nothing is there. */
  read(pa: number, size: 1 | 2 | 4): number {
    const ram = this.ram;
    const off = pa - ram.base;
    if (off >= 0 && off + size <= ram.size) {
      if (size === 4) return ram.i32[off >>> 2];
      if (size === 2) return ram.u16[off >>> 1];
      return ram.u8[off];
    }
    const region = this.deviceAt(pa);
    if (region === undefined || pa + size > region.base + region.size) {
      this.fault = true;
      return 0;
    }
    const value = region.device.read(pa - region.base, size);
    if (this.observer !== null) this.observer('read', pa, size, value, region.device);
    return value;
  }

  write(pa: number, size: 1 | 2 | 4, value: number): void {
    const ram = this.ram;
    const off = pa - ram.base;
    if (off >= 0 && off + size <= ram.size) {
      ram.dirty[off >>> 12] = 1;
      if (size === 4) ram.i32[off >>> 2] = value;
      else if (size === 2) ram.u16[off >>> 1] = value;
      else ram.u8[off] = value;
      return;
    }
    const region = this.deviceAt(pa);
    if (region === undefined || pa + size > region.base + region.size) {
      this.fault = true;
      return;
    }
    if (this.observer !== null) this.observer('write', pa, size, value, region.device);
    region.device.write(pa - region.base, size, value);
  }
}
