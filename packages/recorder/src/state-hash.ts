import type { Ram } from '@hvrr/mmu';

/**
 * State hashes (docs/trace-format.md, "State hash"). Two independent 32-bit lanes
 * (FNV-style multiply-xor with different odd multipliers, each finished with the
 * murmur3 finalizer) give a 64-bit digest, printed as 16 hex digits. Not
 * cryptographic: it detects accidental divergence, not tampering by an adversary.
 *
 * RAM is hashed page by page (4 KiB). Each page's hash mixes in its page number and
 * the RAM digest is the XOR of all page hashes, so a hash point rehashes only the
 * pages written since the previous one (Ram.dirty) and patches the digest.
 */
const PAGE_WORDS = 1024;
const MUL_A = 0x01000193;
const MUL_B = 0x5bd1e995;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash lanes of a page's words, before its page number is mixed in. */
function pageContent(words: Int32Array, from: number): [number, number] {
  let a = 0x811c9dc5 | 0;
  let b = 0x2545f491 | 0;
  const end = from + PAGE_WORDS;
  for (let i = from; i < end; i++) {
    const w = words[i]!;
    a = Math.imul(a ^ w, MUL_A);
    b = Math.imul(b ^ w, MUL_B) ^ (b >>> 13);
  }
  return [a, b];
}

const ZERO_CONTENT = pageContent(new Int32Array(PAGE_WORDS), 0);
/** Pages compared at once when looking for untouched (all-zero) memory. */
const ZERO_RUN = 64;
const ZEROS = Buffer.alloc(ZERO_RUN * 4096);

export class RamHasher {
  /** Two lanes per page. */
  private readonly pages: Uint32Array;
  private a = 0;
  private b = 0;

  constructor(readonly pageCount: number) {
    this.pages = new Uint32Array(pageCount * 2);
  }

  /** Rehashes the pages marked in `ram.dirty` (the caller clears the marks afterwards). */
  update(ram: Ram): void {
    const dirty = ram.dirty;
    const words = ram.i32;
    const bytes = Buffer.from(ram.u8.buffer, ram.u8.byteOffset, ram.u8.byteLength);
    // indexOf scans the flags natively: most hash points find a handful of dirty pages.
    for (let p = dirty.indexOf(1); p >= 0; p = dirty.indexOf(1, p + 1)) {
      // Most of a fresh machine's RAM is zero: memcmp finds such runs far faster than
      // hashing them, and every zero page's content lanes are the same.
      if (p % ZERO_RUN === 0 && p + ZERO_RUN <= this.pageCount && bytes.subarray(p * 4096, (p + ZERO_RUN) * 4096).equals(ZEROS)) {
        for (let k = p; k < p + ZERO_RUN; k++) if (dirty[k] !== 0) this.set(k, ZERO_CONTENT[0], ZERO_CONTENT[1]);
        p += ZERO_RUN - 1;
        continue;
      }
      const [a, b] = pageContent(words, p * PAGE_WORDS);
      this.set(p, a, b);
    }
  }

  /**
   * Takes every page as zero without reading it (fresh RAM is zero, and reading it
   * would fault in every page of a large guest memory). The caller marks the pages it
   * wrote (loaded images) dirty, so the next update hashes those.
   */
  assumeZero(): void {
    for (let p = 0; p < this.pageCount; p++) this.set(p, ZERO_CONTENT[0], ZERO_CONTENT[1]);
  }

  private set(p: number, contentA: number, contentB: number): void {
    const a = fmix(contentA ^ Math.imul(p + 1, 0x9e3779b1));
    const b = fmix((contentB + Math.imul(p + 1, 0x7feb352d)) | 0);
    const pages = this.pages;
    this.a ^= pages[2 * p]! ^ a;
    this.b ^= pages[2 * p + 1]! ^ b;
    pages[2 * p] = a;
    pages[2 * p + 1] = b;
  }

  get digest(): [number, number] {
    return [this.a >>> 0, this.b >>> 0];
  }
}

/** Everything a state hash covers besides RAM, as both the machine and a fold hold it. */
export interface HashedState {
  x: Int32Array;
  pc: number;
  priv: number;
  csr: Int32Array;
  /** mcycle base, mcycle frozen, minstret base, minstret frozen (decimal strings). */
  counters: string[];
  /** WFI-skipped instructions, mtime offset. */
  clock: number[];
  /** mtimecmp, firmware S timer (-1: none). */
  timers: number[];
  /** Reservation valid (0/1), address. */
  res: number[];
  /** Hypervisor runs: the V bit and the host software's own state (HostSoftware.hashedState). */
  host?: { virt: number; state: unknown };
}

/** Two-lane running hash over 32-bit words (no closures: this runs at every hash point). */
class Lanes {
  a = 0x12345679;
  b = 0x7ed55d16;
  word(w: number): void {
    this.a = Math.imul(this.a ^ w, MUL_A);
    this.b = Math.imul(this.b ^ w, MUL_B) ^ (this.b >>> 13);
  }
  words(ws: Int32Array, from: number): void {
    let a = this.a;
    let b = this.b;
    for (let i = from; i < ws.length; i++) {
      const w = ws[i]!;
      a = Math.imul(a ^ w, MUL_A);
      b = Math.imul(b ^ w, MUL_B) ^ (b >>> 13);
    }
    this.a = a;
    this.b = b;
  }
  /** A number up to 2^53 (times, counts): both 32-bit halves. */
  num(n: number): void {
    this.word(n % 4294967296 | 0);
    this.word(Math.floor(n / 4294967296) | 0);
  }
}

/**
 * Feeds plain data into the hash, tagged by kind so that different shapes never hash
 * alike. Object keys go in insertion order: the same code builds them in record and replay.
 */
function hashValue(h: Lanes, v: unknown): void {
  if (v === null || v === undefined) h.word(v === null ? 1 : 2);
  else if (typeof v === 'number') {
    h.word(3);
    if (Number.isInteger(v)) h.num(v);
    else text(h, String(v));
  } else if (typeof v === 'boolean') h.word(v ? 5 : 4);
  else if (typeof v === 'string') {
    h.word(6);
    text(h, v);
  } else if (typeof v === 'bigint') {
    h.word(7);
    text(h, v.toString());
  } else if (ArrayBuffer.isView(v)) {
    h.word(8);
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    h.word(bytes.length);
    for (let i = 0; i < bytes.length; i++) h.word(bytes[i]!);
  } else if (Array.isArray(v)) {
    h.word(9);
    h.word(v.length);
    for (const e of v) hashValue(h, e);
  } else if (v instanceof Map) {
    h.word(10);
    h.word(v.size);
    for (const [k, e] of v) {
      hashValue(h, k);
      hashValue(h, e);
    }
  } else if (typeof v === 'object') {
    h.word(11);
    for (const [k, e] of Object.entries(v as Record<string, unknown>)) {
      text(h, k);
      hashValue(h, e);
    }
  } else throw new TypeError(`cannot hash a ${typeof v}`);
}

function text(h: Lanes, s: string): void {
  h.word(s.length);
  for (let i = 0; i < s.length; i++) h.word(s.charCodeAt(i));
}

/** Combines the hashed state and the RAM digest into the trace's 16-hex-digit hash. */
export function stateHash(s: HashedState, ram: [number, number]): string {
  const h = new Lanes();
  // x0 is not state (it reads as zero whatever the hart's slot holds).
  h.words(s.x, 1);
  h.word(s.pc);
  h.word(s.priv);
  h.words(s.csr, 0);
  for (const c of s.counters) {
    h.word(c.length);
    for (let i = 0; i < c.length; i++) h.word(c.charCodeAt(i));
  }
  for (const n of s.clock) h.num(n);
  for (const n of s.timers) h.num(n);
  for (const n of s.res) h.num(n);
  if (s.host !== undefined) {
    h.word(s.host.virt);
    hashValue(h, s.host.state);
  }
  h.word(ram[0]);
  h.word(ram[1]);
  return fmix(h.a).toString(16).padStart(8, '0') + fmix(h.b).toString(16).padStart(8, '0');
}
