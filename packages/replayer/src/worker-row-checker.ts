import { Worker } from 'node:worker_threads';
import type { InsnColumns } from '@hvrr/events';
import { RowBatcher, rowBuffers, type InsnRows, type TraceConsumer } from '@hvrr/recorder';
import { TraceError } from './trace-error.js';
import type { Mismatch } from './verifier.js';

export type CheckerMessage = { type: 'rows'; rows: InsnRows } | { type: 'sync'; seq: number } | { type: 'finish'; seq: number; checkLeftovers: boolean };

export type CheckerReply =
  | { type: 'recycle'; rows: InsnRows }
  | { type: 'ack' | 'final'; seq: number; mismatch: Mismatch | null; pastEnd: boolean; rowsMatched: number }
  | { type: 'error'; message: string; kind: 'unreadable' | 'corrupt' | 'internal'; offset: number | null };

export interface RowVerdict {
  mismatch: Mismatch | null;
  pastEnd: boolean;
  rowsMatched: number;
}

/**
 * Compares a full-level replay's instruction rows with the trace in a worker thread
 * (row-check-worker.ts), which reads, checks and decodes the recorded rows itself.
 * Verdicts come back asynchronously, a step or so behind the emulation: that is
 * enough, because a divergence report re-runs the trace to the divergence anyway.
 * Only for compiled code (the worker is a .js file next to this one).
 */
export class WorkerRowChecker implements TraceConsumer {
  private readonly worker: Worker;
  private readonly rows = new RowBatcher();
  private seq = 0;
  private acked = 0;
  private waiters: (() => void)[] = [];
  private finalVerdict: ((v: RowVerdict) => void) | null = null;
  verdict: RowVerdict = { mismatch: null, pastEnd: false, rowsMatched: 0 };
  error: Error | null = null;

  constructor(path: string) {
    this.worker = new Worker(new URL('./row-check-worker.js', import.meta.url), { workerData: { path } });
    this.worker.on('message', (m: CheckerReply) => {
      if (m.type === 'recycle') {
        this.rows.recycle(m.rows);
        return;
      }
      if (m.type === 'error') {
        this.error = m.kind === 'internal' ? new Error(m.message) : new TraceError(m.message, m.kind, m.offset);
        this.finalVerdict?.(this.verdict);
      } else {
        this.acked = m.seq;
        this.verdict = { mismatch: m.mismatch, pastEnd: m.pastEnd, rowsMatched: m.rowsMatched };
        if (m.type === 'final') this.finalVerdict?.(this.verdict);
      }
      this.wake();
    });
    this.worker.on('error', (e) => {
      this.error ??= e;
      this.finalVerdict?.(this.verdict);
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  event(): void {}

  instructions(batch: InsnColumns): void {
    this.rows.add(batch, (rows) => this.post(rows));
  }

  /** Sends the rows gathered so far and asks for a verdict on them. */
  sync(): void {
    this.post(this.rows.take());
    this.worker.postMessage({ type: 'sync', seq: ++this.seq } satisfies CheckerMessage);
  }

  /** Syncs not yet answered. */
  backlog(): number {
    return this.seq - this.acked;
  }

  /** Whether the rows checked so far already decide the replay (a mismatch, the end of a cut-off trace, an error). */
  get decided(): boolean {
    return this.error !== null || this.verdict.mismatch !== null || this.verdict.pastEnd;
  }

  drained(limit = 2): Promise<void> {
    return new Promise<void>((resolve) => {
      const test = () => {
        if (this.error !== null || this.backlog() <= limit) resolve();
        else this.waiters.push(test);
      };
      test();
    });
  }

  /** Sends the last rows and waits for the final verdict; `checkLeftovers` when the replay ran to the trace's end. */
  finish(checkLeftovers: boolean): Promise<RowVerdict> {
    this.post(this.rows.take());
    const done = new Promise<RowVerdict>((resolve) => {
      this.finalVerdict = resolve;
    });
    if (this.error !== null) return Promise.resolve(this.verdict);
    this.worker.postMessage({ type: 'finish', seq: ++this.seq, checkLeftovers } satisfies CheckerMessage);
    return done.then(async (v) => {
      await this.worker.terminate();
      return v;
    });
  }

  private post(rows: InsnRows | null): void {
    if (rows === null) return;
    this.worker.postMessage({ type: 'rows', rows } satisfies CheckerMessage, rowBuffers(rows));
  }
}
