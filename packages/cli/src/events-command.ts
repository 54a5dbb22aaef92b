import { TRACE_EVENT_TYPES } from '@hvrr/recorder';
import { eventJson, formatEvent, listEvents } from '@hvrr/replayer';
import { CliError } from './cli-error.js';
import { parseCount } from './parse-options.js';
import { withTrace } from './replay-command.js';
import { StdoutLines } from './stdout-lines.js';

export interface EventsOptions {
  type?: string;
  from?: string;
  to?: string;
  json?: boolean;
}

export function parseTypes(text: string | undefined): Set<string> | undefined {
  if (text === undefined) return undefined;
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.includes('all')) return new Set(TRACE_EVENT_TYPES);
  for (const n of names)
    if (!(TRACE_EVENT_TYPES as readonly string[]).includes(n)) throw new CliError(`unknown event type '${n}' in --type: use ${TRACE_EVENT_TYPES.join(', ')} or all`);
  return new Set(names);
}

/** `hvrr events <trace> [--type a,b] [--from N] [--to M] [--json]`. */
export function eventsCommand(path: string, opts: EventsOptions): number {
  const types = parseTypes(opts.type);
  const from = opts.from !== undefined ? parseCount(opts.from, '--from') : undefined;
  const to = opts.to !== undefined ? parseCount(opts.to, '--to') : undefined;
  return withTrace(path, (reader) => {
    const out = new StdoutLines();
    try {
      for (const e of listEvents(reader, { types, from, to })) {
        out.line(opts.json ? JSON.stringify(eventJson(e)) : formatEvent(e));
        if (out.closed) break;
      }
    } finally {
      out.flush();
    }
    return 0;
  });
}
