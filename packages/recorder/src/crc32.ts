/**
 * CRC-32 as zip, PNG and Ethernet define it (reflected polynomial 0xEDB88320, initial
 * value and final xor 0xFFFFFFFF). Computed "slice by 8": eight tables let the loop
 * consume eight bytes per step (little-endian hosts only, as the RAM views are), which keeps checksumming cheap next to the emulator
 * at the `full` level, where every recorded byte passes through here.
 */
const POLY = 0xedb88320;

const TABLES: Uint32Array[] = buildTables();

function buildTables(): Uint32Array[] {
  const tables: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  tables.push(t0);
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1]!;
    const next = new Uint32Array(256);
    for (let n = 0; n < 256; n++) next[n] = (t0[prev[n]! & 0xff]! ^ (prev[n]! >>> 8)) >>> 0;
    tables.push(next);
  }
  return tables;
}

/** Continues a CRC over `bytes[start, end)`; pass the previous result (0 to begin). */
export function crc32(bytes: Uint8Array, previous = 0, start = 0, end = bytes.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~previous;
  let i = start;
  // Bytes up to a 4-byte boundary of the underlying buffer, then eight bytes per step
  // read as two little-endian words through an Int32Array view.
  const base = bytes.byteOffset;
  for (; i < end && ((base + i) & 3) !== 0; i++) c = t0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  const words = Math.max(0, ((end - i) >>> 3) * 2);
  if (words > 0) {
    const w32 = new Int32Array(bytes.buffer, base + i, words);
    for (let k = 0; k < words; k += 2) {
      const lo = c ^ w32[k]!;
      const hi = w32[k + 1]!;
      c =
        t7[lo & 0xff]! ^
        t6[(lo >>> 8) & 0xff]! ^
        t5[(lo >>> 16) & 0xff]! ^
        t4[lo >>> 24]! ^
        t3[hi & 0xff]! ^
        t2[(hi >>> 8) & 0xff]! ^
        t1[(hi >>> 16) & 0xff]! ^
        t0[hi >>> 24]!;
    }
    i += words * 4;
  }
  for (; i < end; i++) c = t0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
