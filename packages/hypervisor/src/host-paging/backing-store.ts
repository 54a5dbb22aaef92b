/**
 * Where evicted guest pages live. A store hands out slots (one page each) and reads and
 * writes whole pages synchronously. Each operation reports whether it succeeded and how
 * long it really took on this host (`measuredNs`): a host fact, so an input of the run —
 * the pager passes it through the latency model and the caller records what came out.
 */
export interface BackingStore {
  /** `memory` or `file:PATH`, as given to `--backing`. */
  readonly name: string;
  /** Reserves a slot, or reports ENOSPC when the store is full. */
  allocate(): SlotResult;
  write(slot: number, page: Uint8Array): IoResult;
  read(slot: number, into: Uint8Array): IoResult;
  /** Returns a slot for reuse. */
  free(slot: number): void;
  readonly slotsInUse: number;
  close(): void;
  /**
   * Optional (stores that time travel can snapshot): the slots handed out and their
   * contents as they are now; cheap (copy-on-write), and unaffected by later writes.
   */
  saveState?(): unknown;
  /** Back to a state `saveState` gave; the state stays valid for further restores. */
  restoreState?(state: unknown): void;
}

export type SlotResult = { ok: true; slot: number } | { ok: false; error: string };

export interface IoResult {
  ok: boolean;
  /** An errno-style code (EIO, ENOSPC, ...) when !ok. */
  error?: string;
  /** Wall time the operation took on this host, in ns (0 for injected failures). */
  measuredNs: number;
}

export type IoOperation = 'allocate' | 'read' | 'write';

/**
 * Makes chosen operations fail, for tests and for replay (which repeats the failures a
 * recording saw). Returns an error code to fail the operation, undefined to let it run.
 */
export type FailureInjector = (op: IoOperation, slot: number) => string | undefined;

export type BackingSpec = { kind: 'memory' } | { kind: 'file'; path: string };

/** Parses `--backing memory|file:PATH`. */
export function parseBacking(text: string): BackingSpec {
  if (text === 'memory') return { kind: 'memory' };
  if (text.startsWith('file:') && text.length > 'file:'.length) return { kind: 'file', path: text.slice('file:'.length) };
  throw new RangeError(`invalid backing '${text}': expected memory or file:PATH`);
}

export function formatBacking(spec: BackingSpec): string {
  return spec.kind === 'memory' ? 'memory' : `file:${spec.path}`;
}
