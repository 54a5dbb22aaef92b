import type { InputEvent, TraceEvent } from '@hvrr/recorder';

/** The recorded console arrivals of a trace, in order, read lazily from its events. */
export function* inputArrivals(events: Iterable<TraceEvent>): Generator<InputEvent> {
  for (const e of events) if (e.type === 'input') yield e;
}
