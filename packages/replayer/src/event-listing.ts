import type { InsnRows, TraceEvent } from '@hvrr/recorder';
import { insnEvent, type ListedEvent } from './event-format.js';
import type { TraceReader } from './trace-reader.js';

export interface ListingFilter {
  /** Event types to list ('insn' for instruction rows); all stored event types but insn when absent. */
  types?: ReadonlySet<string>;
  from?: number;
  to?: number;
}

/**
 * A trace's events in instruction-count order, instruction rows merged in where asked:
 * an event at count N comes before row N (it happened before instruction N retired).
 */
export function* listEvents(reader: TraceReader, filter: ListingFilter = {}): Generator<ListedEvent> {
  const from = filter.from ?? 0;
  const to = filter.to ?? Infinity;
  const types = filter.types;
  const wantRows = types?.has('insn') ?? false;
  const rowsIter = wantRows ? reader.insnChunks(from, to) : null;
  let rows: InsnRows | null = null;
  let pos = 0;
  const pull = () => {
    const r = rowsIter?.next();
    rows = r === undefined || r.done ? null : r.value;
    pos = 0;
  };
  pull();
  function* rowsBefore(limit: number): Generator<ListedEvent> {
    while (rows !== null) {
      const r: InsnRows = rows;
      while (pos < r.count && r.firstIcount + pos < limit) {
        const icount = r.firstIcount + pos;
        if (icount > to) return;
        if (icount >= from) yield insnEvent(r, pos);
        pos++;
      }
      if (pos < r.count) return;
      pull();
    }
  }
  for (const e of reader.events() as Generator<TraceEvent>) {
    if (wantRows) yield* rowsBefore(e.icount);
    if (e.icount > to) break;
    if (e.icount >= from && (types === undefined || types.has(e.type))) yield e;
  }
  if (wantRows) yield* rowsBefore(Infinity);
}
