/**
 * Growable byte buffers with the little-endian and varint forms the trace format uses.
 * Varints are LEB128 (7 bits a byte, low first); signed values go through zigzag so
 * small negative numbers stay short.
 */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  /** An unsigned 32-bit value as a varint (1 to 5 bytes). */
  varint(v: number): void {
    this.ensure(5);
    const b = this.buf;
    let p = this.pos;
    v >>>= 0;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    this.pos = p;
  }

  /** A signed 32-bit value, zigzag-mapped, as a varint. */
  zigzag(v: number): void {
    this.varint((v << 1) ^ (v >> 31));
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** The bytes written so far (a view; copy it before writing more). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }
}

/** Reads what ByteWriter wrote; throws RangeError past the end (a malformed chunk). */
export class ByteReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw new RangeError('read past the end of a column');
    return this.buf[this.pos++]!;
  }

  u32(): number {
    const b = this.buf;
    const p = this.pos;
    if (p + 4 > b.length) throw new RangeError('read past the end of a column');
    this.pos = p + 4;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  }

  /** A varint as an unsigned value (returned as int32 bits: `| 0` view). */
  varint(): number {
    const b = this.buf;
    let p = this.pos;
    let v = 0;
    let shift = 0;
    for (;;) {
      if (p >= b.length || shift > 28) throw new RangeError('malformed varint');
      const byte = b[p++]!;
      v |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
      shift += 7;
    }
    this.pos = p;
    return v;
  }

  zigzag(): number {
    const u = this.varint();
    return (u >>> 1) ^ -(u & 1);
  }
}
