import { writeSync } from 'node:fs';
import { TRACE_EVENT_TYPES } from '@hvrr/recorder';
import { eventJson, formatEvent, listEvents } from '@hvrr/replayer';
import { CliError } from './cli-error.js';
import { parseCount } from './parse-options.js';
import { withTrace } from './replay-command.js';

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

/** Buffered stdout that stops quietly when the reader goes away (`| head`). */
class Out {
  private parts: string[] = [];
  private size = 0;
  closed = false;
  line(s: string): void {
    this.parts.push(s, '\n');
    this.size += s.length + 1;
    if (this.size > 1 << 16) this.flush();
  }
  flush(): void {
    if (this.closed || this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    let done = 0;
    while (done < buf.length) {
      try {
        done += writeSync(1, buf, done, buf.length - done);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EPIPE') {
          this.closed = true;
          return;
        }
        throw e;
      }
    }
  }
}

/** `hvrr events <trace> [--type a,b] [--from N] [--to M] [--json]`. */
export function eventsCommand(path: string, opts: EventsOptions): number {
  const types = parseTypes(opts.type);
  const from = opts.from !== undefined ? parseCount(opts.from, '--from') : undefined;
  const to = opts.to !== undefined ? parseCount(opts.to, '--to') : undefined;
  return withTrace(path, (reader) => {
    const out = new Out();
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
