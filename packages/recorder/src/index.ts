export { crc32 } from './crc32.js';
export { ByteReader, ByteWriter } from './byte-writer.js';
export { InsnEncoder, decodeInsns, type InsnRows, type EncodedInsns } from './insn-codec.js';
