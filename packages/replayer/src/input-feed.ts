import type { InputEvent, PagingInputEvent, TraceEvent } from '@hvrr/recorder';

/** The recorded console arrivals of a trace, in order, read lazily from its events. */
export function* inputArrivals(events: Iterable<TraceEvent>): Generator<InputEvent> {
  for (const e of events) if (e.type === 'input') yield e;
}

/** The recorded host-paging inputs of a trace (backing-store results and costs), operation by operation, read lazily. */
export function* pagingInputs(events: Iterable<TraceEvent>): Generator<PagingInputEvent['ops'][number]> {
  for (const e of events) if (e.type === 'paging') yield* e.ops;
}
