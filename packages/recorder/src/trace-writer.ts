import type { InsnColumns } from '@hvrr/events';
import type { TraceConsumer } from './capture.js';
import { frameChunk, framePieces } from './chunk-codec.js';
import { InsnEncoder } from './insn-codec.js';
import { packPieces, packValue } from './msgpack.js';
import type { SnapshotRecord } from './snapshot-writer.js';
import type { TraceEvent } from './trace-events.js';
import {
  CHUNK_EVENTS,
  CHUNK_FOOTER,
  CHUNK_HEADER,
  CHUNK_INSNS,
  CHUNK_SNAPSHOT,
  FORMAT_VERSION,
  PREAMBLE_SIZE,
  TRACE_MAGIC,
  TRAILER_MAGIC,
  TRAILER_SIZE,
  type IndexEntry,
  type TraceFooter,
  type TraceHeader,
} from './trace-format.js';
import type { TraceOutput } from './trace-output.js';

/** What the recorder writes a trace through (TraceWriter here; a worker-backed one in the CLI). */
export interface TraceSink extends TraceConsumer {
  header(h: TraceHeader): void;
  /** A step of the run ended: write what is buffered as chunks. */
  flush(): void;
  /** Writes the footer and closes the output. */
  close(): void;
  /** A snapshot chunk (time travel); sinks without it record no snapshots. */
  snapshot?(s: SnapshotRecord): void;
}

export interface TraceWriterOptions {
  /** Compress header, events and footer payloads with brotli (default true). */
  compress?: boolean;
  /**
   * Compress instruction chunks too (default false): it saves about two thirds of a
   * full-level trace but costs more time than encoding the rows, which would make
   * full-level recording slower than its target.
   */
  compressInsns?: boolean;
  /** Rows per instruction chunk at most (default 4M). */
  maxRows?: number;
}

const MAX_EVENTS_PER_CHUNK = 16384;

/** Writes the chunked trace format of trace-format.ts to a TraceOutput, synchronously. */
export class TraceWriter implements TraceSink {
  private offset = 0;
  private events: TraceEvent[] = [];
  private readonly insns = new InsnEncoder();
  private readonly index: IndexEntry[] = [];
  private readonly snapshots: number[] = [];
  private readonly counts: Record<string, number> = {};
  private instructionCount = 0;
  private lastIcount = 0;
  private end: TraceEvent | null = null;
  private isClosed = false;
  private readonly compress: boolean;
  private readonly compressInsns: boolean;
  private readonly maxRows: number;

  constructor(
    private readonly output: TraceOutput,
    options: TraceWriterOptions = {},
  ) {
    this.compress = options.compress ?? true;
    this.compressInsns = options.compressInsns ?? false;
    this.maxRows = options.maxRows ?? 1 << 22;
    const preamble = new Uint8Array(PREAMBLE_SIZE);
    preamble.set(TRACE_MAGIC);
    new DataView(preamble.buffer).setUint32(8, FORMAT_VERSION, true);
    this.put(preamble);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.offset;
  }

  header(h: TraceHeader): void {
    this.chunk(CHUNK_HEADER, packValue(h));
  }

  event(e: TraceEvent): void {
    this.events.push(e);
    this.counts[e.type] = (this.counts[e.type] ?? 0) + 1;
    if (e.icount > this.lastIcount) this.lastIcount = e.icount;
    if (e.type === 'end') this.end = e;
    if (this.events.length >= MAX_EVENTS_PER_CHUNK) this.flushEvents();
  }

  instructions(batch: InsnColumns): void {
    // Events already buffered happened before these rows' successors; keep chunks in time order.
    this.insns.add(batch);
    this.instructionCount += batch.count;
    this.counts.insn = this.instructionCount;
    if (this.insns.count >= this.maxRows || this.insns.size >= 8 << 20) this.flushInsns();
  }

  flush(): void {
    this.flushEvents();
    this.flushInsns();
  }

  snapshot(s: SnapshotRecord): void {
    // Everything before the snapshot goes first: chunks stay in time order.
    this.flush();
    this.snapshots.push(this.offset);
    this.chunk(CHUNK_SNAPSHOT, packValue(s));
  }

  close(): void {
    if (this.isClosed) return;
    this.flush();
    const footer: TraceFooter = {
      index: this.index,
      snapshots: this.snapshots,
      counts: this.counts,
      instructions: Math.max(this.lastIcount, this.insnsEnd()),
      end: this.end,
    };
    const at = this.offset;
    this.chunk(CHUNK_FOOTER, packValue(footer));
    const trailer = new Uint8Array(TRAILER_SIZE);
    new DataView(trailer.buffer).setFloat64(0, at, true);
    trailer.set(TRAILER_MAGIC, 8);
    this.put(trailer);
    this.output.close();
    this.isClosed = true;
  }

  private insnsEnd(): number {
    return this.insns.first + this.insns.count;
  }

  private flushEvents(): void {
    if (this.events.length === 0) return;
    const first = this.events[0]!.icount;
    this.index.push([CHUNK_EVENTS, first, this.offset]);
    this.chunk(CHUNK_EVENTS, packValue({ first, events: this.events }));
    this.events = [];
  }

  private flushInsns(): void {
    const enc = this.insns;
    if (enc.count === 0) return;
    this.index.push([CHUNK_INSNS, enc.first, this.offset]);
    const e = enc.encoded();
    if (this.compressInsns) this.chunk(CHUNK_INSNS, packValue(e), true);
    else {
      // Written piece by piece: the columns (megabytes) are never copied into one payload.
      const pieces = packPieces([
        ['first', e.first],
        ['count', e.count],
        ['ctrl', e.ctrl],
        ['pc', e.pc],
        ['raw', e.raw],
        ['rd', e.rd],
        ['sa', e.sa],
        ['sv', e.sv],
      ]);
      this.put(framePieces(CHUNK_INSNS, pieces));
      for (const p of pieces) this.put(p);
    }
    enc.reset(enc.first + enc.count);
  }

  private chunk(kind: number, payload: Uint8Array, compress = this.compress): void {
    const [header, stored] = frameChunk(kind, payload, compress);
    this.put(header);
    this.put(stored);
  }

  private put(bytes: Uint8Array): void {
    this.output.write(bytes);
    this.offset += bytes.length;
  }
}
