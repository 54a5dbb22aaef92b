import { Packr } from 'msgpackr';

/**
 * Standard msgpack only: no msgpackr records or extensions, so any msgpack reader can
 * read a trace. Binary data must be Uint8Array: msgpackr packs other typed arrays
 * (Int32Array, Uint32Array...) one byte per element unless its typed-array extension
 * is on, so columns are always converted to byte views first (see insn-codec.ts).
 */
const packr = new Packr({ useRecords: false, moreTypes: false, encodeUndefinedAsNil: true, variableMapSize: true });

export function packValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function unpackValue(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

/**
 * A msgpack map of unsigned integers and byte strings, as pieces to be written one
 * after the other: the byte strings are not copied. Standard msgpack (fixmap, fixstr
 * keys, uint 32 or float 64 for integers, bin 32 for bytes), so unpackValue reads it back.
 */
export function packPieces(fields: [string, number | Uint8Array][]): Uint8Array[] {
  if (fields.length > 15) throw new RangeError('packPieces: at most 15 fields');
  const pieces: Uint8Array[] = [];
  let head: number[] = [0x80 | fields.length];
  for (const [key, value] of fields) {
    if (key.length > 31) throw new RangeError('packPieces: key too long');
    head.push(0xa0 | key.length);
    for (let i = 0; i < key.length; i++) head.push(key.charCodeAt(i));
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('packPieces: integers must be safe and non-negative');
      if (value <= 0xffffffff) head.push(0xce, value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
      else {
        // Above 32 bits as float 64, as msgpackr itself writes them (it reads uint 64 as BigInt).
        const f = new Uint8Array(8);
        new DataView(f.buffer).setFloat64(0, value);
        head.push(0xcb, ...f);
      }
    } else {
      const n = value.length;
      head.push(0xc6, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
      pieces.push(Uint8Array.from(head), value);
      head = [];
    }
  }
  if (head.length > 0) pieces.push(Uint8Array.from(head));
  return pieces;
}
