/**
 * Guest RAM: one ArrayBuffer with a view per access width, so the interpreter's fast
 * paths index it directly. Offsets are relative to `base`. The host is little-endian
 * (x86-64, arm64), as RISC-V is, so typed-array views read guest words as they are.
 */
export class Ram {
  readonly base: number;
  readonly size: number;
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  /**
   * One flag per 4 KiB page: set when the page may have changed since the flags were
   * last cleared. Stores mark their page in the slow path, and a page gets a fast
   * store-TLB entry only through that path, so a cleared flag stays clear until the
   * page really can be written (clearing must also flush the store TLB). This lets
   * state hashes rehash only what changed.
   */
  readonly dirty: Uint8Array;

  constructor(base: number, size: number) {
    if (size <= 0 || size % 4096 !== 0) throw new RangeError(`RAM size must be a positive multiple of 4 KiB, got ${size}`);
    this.base = base >>> 0;
    this.size = size;
    const buffer = new ArrayBuffer(size);
    this.u8 = new Uint8Array(buffer);
    this.i8 = new Int8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.i16 = new Int16Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.dirty = new Uint8Array(size >>> 12).fill(1);
  }

  /** RAM offset of a physical address, or -1 when the address is not RAM. */
  offsetOf(pa: number): number {
    const off = pa - this.base;
    return off >= 0 && off < this.size ? off : -1;
  }

  contains(pa: number, length: number): boolean {
    const off = pa - this.base;
    return off >= 0 && length >= 0 && off + length <= this.size;
  }
}
