/** A memory-mapped device. Offsets are relative to the region base; sizes are 1, 2 or 4 bytes. */
export interface MmioDevice {
  readonly name: string;
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}
