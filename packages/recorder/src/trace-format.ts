/**
 * The .hvrr trace file, version 1 (docs/trace-format.md is the specification):
 *
 *   preamble   16 bytes: magic, u32 format version, u32 reserved (0)
 *   chunk*     12-byte chunk header, then the payload
 *   trailer    16 bytes after the footer chunk: f64 offset of the footer chunk, "HVRR-END"
 *
 * A chunk header is: u32 payload length, u8 kind, u8 encoding, u16 reserved (0),
 * u32 CRC-32 of the first 8 header bytes followed by the stored payload. All integers
 * are little-endian. The payload, once decompressed, is one msgpack value.
 */
import type { StrategyName } from '@hvrr/hypervisor';

export const TRACE_MAGIC = Uint8Array.of(0x89, 0x48, 0x56, 0x52, 0x52, 0x0d, 0x0a, 0x1a); // "\x89HVRR\r\n\x1a"
export const FORMAT_VERSION = 1;
/** Versions this build reads (older released versions stay readable). */
export const READABLE_VERSIONS: readonly number[] = [1];
export const PREAMBLE_SIZE = 16;
export const CHUNK_HEADER_SIZE = 12;
export const TRAILER_MAGIC = Uint8Array.of(0x48, 0x56, 0x52, 0x52, 0x2d, 0x45, 0x4e, 0x44); // "HVRR-END"
export const TRAILER_SIZE = 16;
/** Largest payload a reader accepts (guards against a corrupt length field). */
export const MAX_CHUNK_PAYLOAD = 256 * 1024 * 1024;

export const CHUNK_HEADER = 1;
export const CHUNK_EVENTS = 2;
export const CHUNK_INSNS = 3;
/** Snapshots for time travel (docs/time-travel.md); readers that do not seek skip them. */
export const CHUNK_SNAPSHOT = 4;
export const CHUNK_FOOTER = 5;

export const CHUNK_KIND_NAMES: Record<number, string> = {
  [CHUNK_HEADER]: 'header',
  [CHUNK_EVENTS]: 'events',
  [CHUNK_INSNS]: 'insns',
  [CHUNK_SNAPSHOT]: 'snapshot',
  [CHUNK_FOOTER]: 'footer',
};

export const ENCODING_NONE = 0;
export const ENCODING_DEFLATE = 1;
export const ENCODING_BROTLI = 2;

export type TraceLevel = 'inputs' | 'events' | 'full';
export const TRACE_LEVELS: readonly TraceLevel[] = ['inputs', 'events', 'full'];

/** The run configuration a trace replays with (the images travel separately in the header). */
export interface RunConfigRecord {
  elfPath: string;
  memSize: number;
  firmware: 'none' | 'builtin' | 'elf';
  firmwarePath: string | null;
  bootargs: string;
  nsPerInsn: number;
  /** --max-insns, or null for no limit. */
  maxAttempts: number | null;
  /** Hypervisor runs: the VMs (their images are header.images.vms, in the same order). Absent in older traces. */
  hv?: HvConfigRecord | null;
}

export interface HvConfigRecord {
  quantum: number;
  vms: { imagePath: string; memSize: number; strategy: StrategyName; bootargs: string; forwardSyscalls: boolean }[];
  /** Host paging (`--host-mem` and its options, as text: policy `clock`/`random:7`, backing `memory`/`file:PATH`, latency `floppy`); absent or null: none. */
  hostPaging?: { frames: number; policy: string; backing: string; latency: string } | null;
  /** The time policy as `--time` takes it (`virtual`, `real`, `catchup:threshold=...`); absent: virtual. */
  time?: string;
}

export interface TraceHeader {
  format: number;
  hvrr: string;
  level: TraceLevel;
  config: RunConfigRecord;
  images: { elf: Uint8Array; firmware: Uint8Array | null; vms?: Uint8Array[] };
  /** Attempts between periodic state hashes: replay must slice its run the same way. */
  hashEvery: number;
  /** Seeds of randomized policies (none exist yet; the hypervisor's will go here). */
  seeds: Record<string, number>;
}

/** Index entry: an events or insns chunk, the first instruction count it covers, and its file offset. */
export type IndexEntry = [kind: number, firstIcount: number, offset: number];

export interface TraceFooter {
  index: IndexEntry[];
  /** Offsets of snapshot chunks (none in traces recorded before snapshots existed). */
  snapshots: number[];
  /** Events by type; 'insn' counts instruction rows. */
  counts: Record<string, number>;
  /** Retired instructions the run reached. */
  instructions: number;
  /** The end event, or null when recording was cut short (the trace still closed cleanly). */
  end: unknown;
}
