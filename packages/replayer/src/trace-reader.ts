import {
  CHUNK_EVENTS,
  CHUNK_FOOTER,
  CHUNK_HEADER,
  CHUNK_HEADER_SIZE,
  CHUNK_INSNS,
  CHUNK_KIND_NAMES,
  ChunkError,
  PREAMBLE_SIZE,
  READABLE_VERSIONS,
  TRACE_LEVELS,
  TRACE_MAGIC,
  TRAILER_MAGIC,
  TRAILER_SIZE,
  checkChunkHeader,
  decodeInsns,
  openChunkPayload,
  parseChunkHeader,
  unpackValue,
  type EncodedInsns,
  type InsnRows,
  type TraceEvent,
  type TraceFooter,
  type TraceHeader,
} from '@hvrr/recorder';
import { FileSource, MemorySource, type ByteSource } from './byte-source.js';
import { TraceError } from './trace-error.js';

export interface ChunkInfo {
  /** Position among the file's chunks, from 0 (the header chunk). */
  index: number;
  /** Byte offset of the chunk header in the file. */
  offset: number;
  kind: number;
  encoding: number;
  /** Stored payload bytes. */
  length: number;
  crc: number;
  headerBytes: Uint8Array;
}

/**
 * Reads a .hvrr trace (trace-format.ts, docs/trace-format.md). Opening scans the chunk
 * headers only; payloads are read, CRC-checked and decoded when used, so a damaged
 * chunk is reported when replay reaches it (`verifyAll` checks them all up front).
 *
 * A trace without its trailer is a cut-off recording: it reads up to its last whole
 * chunk (`complete` false, `truncatedAt` the offset where the readable part ends).
 * With the trailer present every chunk must be whole, so a damaged length field is
 * reported as corruption, not mistaken for a cut.
 */
export class TraceReader {
  readonly chunks: ChunkInfo[] = [];
  readonly header: TraceHeader;
  readonly footer: TraceFooter | null = null;
  readonly complete: boolean = false;
  readonly truncatedAt: number | null = null;
  readonly formatVersion: number;

  static open(path: string): TraceReader {
    let source: FileSource;
    try {
      source = new FileSource(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? e);
      throw new TraceError(`cannot read trace '${path}': ${why}`, 'unreadable');
    }
    try {
      return new TraceReader(source);
    } catch (e) {
      source.close();
      throw e;
    }
  }

  static fromBytes(bytes: Uint8Array): TraceReader {
    return new TraceReader(new MemorySource(bytes));
  }

  constructor(private readonly source: ByteSource) {
    const size = source.size;
    const pre = source.read(0, PREAMBLE_SIZE);
    if (pre.length < PREAMBLE_SIZE || !startsWith(pre, TRACE_MAGIC)) throw new TraceError('not an hvrr trace (its first bytes are not the trace magic)', 'unreadable', 0);
    const pv = new DataView(pre.buffer, pre.byteOffset, PREAMBLE_SIZE);
    this.formatVersion = pv.getUint32(8, true);
    if (pv.getUint32(12, true) !== 0) throw new TraceError('the trace preamble is damaged (its reserved bytes at offset 12 are not zero)', 'corrupt', 12);
    if (!READABLE_VERSIONS.includes(this.formatVersion))
      throw new TraceError(`trace format version ${this.formatVersion} is not one this hvrr reads (${READABLE_VERSIONS.join(', ')})`, 'unreadable', 8);

    let trailerAt = -1;
    let footerOffset = -1;
    if (size >= PREAMBLE_SIZE + TRAILER_SIZE) {
      const t = source.read(size - TRAILER_SIZE, TRAILER_SIZE);
      if (startsWith(t.subarray(8), TRAILER_MAGIC)) {
        trailerAt = size - TRAILER_SIZE;
        footerOffset = new DataView(t.buffer, t.byteOffset, 8).getFloat64(0, true);
      }
    }
    const end = trailerAt >= 0 ? trailerAt : size;
    let pos = PREAMBLE_SIZE;
    let truncatedAt: number | null = null;
    let footerChunk: ChunkInfo | null = null;
    while (pos < end) {
      if (footerChunk !== null) {
        // Part of a trailer after a whole footer: the trace was cut in its last bytes, and the footer is intact.
        if (trailerAt < 0 && end - pos < TRAILER_SIZE) break;
        throw new TraceError(`bytes after the footer chunk at offset ${pos} are not the trailer`, 'corrupt', pos);
      }
      if (end - pos < CHUNK_HEADER_SIZE) {
        if (trailerAt >= 0) throw new TraceError(`a partial chunk header at offset ${pos} before the trailer`, 'corrupt', pos);
        truncatedAt = pos;
        break;
      }
      const hb = source.read(pos, CHUNK_HEADER_SIZE).slice();
      const h = parseChunkHeader(hb);
      try {
        checkChunkHeader(h, hb);
      } catch (e) {
        if (e instanceof ChunkError) throw new TraceError(`chunk ${this.chunks.length} at offset ${pos}: ${e.message}`, 'corrupt', pos);
        throw e;
      }
      if (pos + CHUNK_HEADER_SIZE + h.length > end) {
        if (trailerAt >= 0) throw new TraceError(`chunk ${this.chunks.length} at offset ${pos} runs past the end of the trace (its length field is damaged)`, 'corrupt', pos);
        truncatedAt = pos;
        break;
      }
      const info: ChunkInfo = { index: this.chunks.length, offset: pos, kind: h.kind, encoding: h.encoding, length: h.length, crc: h.crc, headerBytes: hb };
      if (info.index === 0 && h.kind !== CHUNK_HEADER) throw new TraceError(`the first chunk (offset ${pos}) is not the trace header`, 'corrupt', pos);
      this.chunks.push(info);
      if (h.kind === CHUNK_FOOTER) footerChunk = info;
      pos += CHUNK_HEADER_SIZE + h.length;
    }
    if (this.chunks.length === 0) throw new TraceError('the trace ends before its header chunk is whole', 'unreadable', PREAMBLE_SIZE);
    if (trailerAt >= 0 && (footerChunk === null || footerChunk.offset !== footerOffset))
      throw new TraceError(`the trailer at offset ${trailerAt} does not point at the footer chunk`, 'corrupt', trailerAt);

    this.header = this.readHeader();
    if (footerChunk !== null) {
      this.footer = this.payload(footerChunk) as TraceFooter;
      this.complete = true;
    } else this.truncatedAt = truncatedAt ?? size;
  }

  get size(): number {
    return this.source.size;
  }

  get level(): TraceHeader['level'] {
    return this.header.level;
  }

  close(): void {
    this.source.close();
  }

  /** Reads, CRC-checks, decompresses and unpacks one chunk's payload. */
  payload(chunk: ChunkInfo): unknown {
    const where = `chunk ${chunk.index} (${CHUNK_KIND_NAMES[chunk.kind] ?? `kind ${chunk.kind}`}) at offset ${chunk.offset}`;
    const stored = this.source.read(chunk.offset + CHUNK_HEADER_SIZE, chunk.length);
    try {
      const bytes = openChunkPayload(chunk.headerBytes, { length: chunk.length, kind: chunk.kind, encoding: chunk.encoding, crc: chunk.crc }, stored);
      return unpackValue(bytes);
    } catch (e) {
      if (e instanceof ChunkError) throw new TraceError(`${where}: ${e.message}`, 'corrupt', chunk.offset);
      throw new TraceError(`${where}: payload does not decode (${(e as Error).message})`, 'corrupt', chunk.offset);
    }
  }

  /** Checks every chunk's CRC and decoding; throws TraceError at the first bad one. */
  verifyAll(): void {
    for (const c of this.chunks) {
      const value = this.payload(c);
      if (c.kind === CHUNK_INSNS) this.decodeInsnChunk(c, value);
      if (c.kind === CHUNK_EVENTS) this.eventsOf(c, value);
    }
  }

  /** The recorded events in order (hash and end included), chunk by chunk. */
  *events(): Generator<TraceEvent> {
    for (const c of this.chunks) if (c.kind === CHUNK_EVENTS) yield* this.eventsOf(c, this.payload(c));
  }

  /** The recorded instruction rows, one decoded chunk at a time; chunks wholly outside [from, to] are skipped undecoded. */
  *insnChunks(from = 0, to = Infinity): Generator<InsnRows> {
    for (const c of this.chunks) {
      if (c.kind !== CHUNK_INSNS) continue;
      const value = this.payload(c) as EncodedInsns;
      if (typeof value?.first === 'number' && typeof value.count === 'number' && (value.first + value.count <= from || value.first > to)) continue;
      yield this.decodeInsnChunk(c, value);
    }
  }

  private eventsOf(c: ChunkInfo, value: unknown): TraceEvent[] {
    const v = value as { events?: unknown };
    if (typeof v !== 'object' || v === null || !Array.isArray(v.events))
      throw new TraceError(`chunk ${c.index} (events) at offset ${c.offset}: no event list`, 'corrupt', c.offset);
    for (const e of v.events) {
      if (typeof e !== 'object' || e === null || typeof (e as TraceEvent).type !== 'string' || typeof (e as TraceEvent).icount !== 'number')
        throw new TraceError(`chunk ${c.index} (events) at offset ${c.offset}: malformed event`, 'corrupt', c.offset);
    }
    return v.events as TraceEvent[];
  }

  private decodeInsnChunk(c: ChunkInfo, value: unknown): InsnRows {
    try {
      return decodeInsns(value as EncodedInsns);
    } catch (e) {
      throw new TraceError(`chunk ${c.index} (insns) at offset ${c.offset}: ${(e as Error).message}`, 'corrupt', c.offset);
    }
  }

  private readHeader(): TraceHeader {
    const h = this.payload(this.chunks[0]!) as TraceHeader;
    const ok =
      typeof h === 'object' &&
      h !== null &&
      TRACE_LEVELS.includes(h.level) &&
      typeof h.config === 'object' &&
      h.config !== null &&
      h.images?.elf instanceof Uint8Array &&
      Number.isInteger(h.hashEvery) &&
      h.hashEvery > 0;
    if (!ok) throw new TraceError(`the header chunk at offset ${this.chunks[0]!.offset} is not a valid trace header`, 'corrupt', this.chunks[0]!.offset);
    return h;
  }
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
