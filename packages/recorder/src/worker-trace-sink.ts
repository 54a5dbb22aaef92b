import { Worker } from 'node:worker_threads';
import type { InsnColumns } from '@hvrr/events';
import type { InsnRows } from './insn-codec.js';
import type { SnapshotRecord } from './snapshot-writer.js';
import type { TraceEvent } from './trace-events.js';
import type { TraceHeader } from './trace-format.js';
import type { TraceSink } from './trace-writer.js';
import { RowBatcher, rowBuffers } from './row-batcher.js';

export type WorkerMessage =
  | { type: 'header'; header: TraceHeader }
  | { type: 'events'; events: TraceEvent[] }
  | { type: 'insns'; rows: InsnRows }
  | { type: 'snapshot'; snapshot: SnapshotRecord }
  | { type: 'flush'; seq: number }
  | { type: 'close' };

type WorkerReply = { type: 'ack'; seq: number; size: number } | { type: 'closed'; size: number } | { type: 'recycle'; rows: InsnRows } | { type: 'error'; message: string; code?: string };

/**
 * A TraceSink whose encoding, compression, checksumming and writing happen in a
 * worker thread (trace-writer-worker.ts): the recording thread only copies rows and
 * events into messages. Rows are gathered into 64K-row batches first, so the many
 * small batches the full level makes around traps cost one message, not hundreds.
 *
 * Only for compiled code (the worker is a .js file next to this one).
 */
export class WorkerTraceSink implements TraceSink {
  private readonly worker: Worker;
  private events: TraceEvent[] = [];
  private readonly rows = new RowBatcher();
  private seq = 0;
  private acked = 0;
  private waiters: (() => void)[] = [];
  private error: Error | null = null;
  /** Bytes the worker has written so far (as of its last reply). */
  size = 0;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private rejectClosed!: (e: Error) => void;

  constructor(path: string) {
    this.worker = new Worker(new URL('./trace-writer-worker.js', import.meta.url), { workerData: { path } });
    this.closed = new Promise<void>((resolve, reject) => {
      this.resolveClosed = resolve;
      this.rejectClosed = reject;
    });
    this.closed.catch(() => {});
    this.worker.on('message', (m: WorkerReply) => {
      if (m.type === 'recycle') this.rows.recycle(m.rows);
      else if (m.type === 'ack') {
        this.acked = m.seq;
        this.size = m.size;
        this.wake();
      } else if (m.type === 'closed') {
        this.size = m.size;
        this.resolveClosed();
        this.wake();
      } else this.fail(Object.assign(new Error(m.message), { code: m.code }));
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', () => {
      this.fail(new Error('the trace writer thread ended'));
    });
  }

  private fail(e: Error): void {
    if (this.error === null) this.error = e;
    this.rejectClosed(this.error);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private check(): void {
    if (this.error !== null) throw this.error;
  }

  /** Steps flushed but not yet written by the worker. */
  backlog(): number {
    return this.seq - this.acked;
  }

  /** Resolves once the worker has caught up to within two steps (or failed). */
  drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      const test = () => {
        if (this.error !== null || this.backlog() <= 2) resolve();
        else this.waiters.push(test);
      };
      test();
    });
  }

  header(header: TraceHeader): void {
    this.check();
    this.post({ type: 'header', header });
  }

  event(e: TraceEvent): void {
    this.events.push(e);
  }

  instructions(batch: InsnColumns): void {
    this.rows.add(batch, (rows) => this.postRows(rows));
  }

  snapshot(snapshot: SnapshotRecord): void {
    this.postEvents();
    this.postRows();
    this.post({ type: 'snapshot', snapshot });
  }

  flush(): void {
    this.check();
    this.postEvents();
    this.postRows();
    this.post({ type: 'flush', seq: ++this.seq });
  }

  close(): void {
    if (this.error === null) {
      this.postEvents();
      this.postRows();
      this.post({ type: 'close' });
    }
  }

  private postEvents(): void {
    if (this.events.length === 0) return;
    this.post({ type: 'events', events: this.events });
    this.events = [];
  }

  private postRows(rows = this.rows.take()): void {
    if (rows === null) return;
    this.worker.postMessage({ type: 'insns', rows } satisfies WorkerMessage, rowBuffers(rows));
  }

  private post(m: WorkerMessage): void {
    this.worker.postMessage(m);
  }
}
