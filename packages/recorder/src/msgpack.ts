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
