/**
 * The worker thread behind WorkerRowChecker: reads the trace's instruction chunks
 * (CRC check) and compares the replay's rows with them (EncodedRowVerifier), so the
 * thread that emulates only copies its rows out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CHUNK_INSNS, rowBuffers, type EncodedInsns } from '@hvrr/recorder';
import { TraceError } from './trace-error.js';
import { TraceReader } from './trace-reader.js';
import { EncodedRowVerifier } from './encoded-row-verifier.js';
import type { CheckerMessage, CheckerReply } from './worker-row-checker.js';

const port = parentPort!;
const { path } = workerData as { path: string };

function reply(m: CheckerReply): void {
  port.postMessage(m);
}

let verifier: EncodedRowVerifier | null = null;
let failed = false;
try {
  const reader = TraceReader.open(path);
  function* chunks(): Generator<EncodedInsns> {
    for (const c of reader.chunks) {
      if (c.kind !== CHUNK_INSNS) continue;
      const value = reader.payload(c) as EncodedInsns;
      if (typeof value !== 'object' || value === null || !Number.isInteger(value.count) || !(value.ctrl instanceof Uint8Array))
        throw new TraceError(`chunk ${c.index} (insns) at offset ${c.offset}: not an instruction chunk`, 'corrupt', c.offset);
      yield Object.assign(value, { where: `chunk ${c.index} (insns) at offset ${c.offset}`, offset: c.offset });
    }
  }
  verifier = new EncodedRowVerifier(chunks(), reader.complete);
} catch (e) {
  fail(e);
}

function fail(e: unknown): void {
  failed = true;
  if (e instanceof TraceError) reply({ type: 'error', message: e.message, kind: e.kind, offset: e.offset });
  else reply({ type: 'error', message: (e as Error).message, kind: 'internal', offset: null });
}

function verdict(type: 'ack' | 'final', seq: number): CheckerReply {
  const v = verifier!;
  return { type, seq, mismatch: v.mismatch, pastEnd: v.pastEnd, rowsMatched: v.rowsMatched };
}

port.on('message', (m: CheckerMessage) => {
  if (failed || verifier === null) return;
  try {
    if (m.type === 'rows') {
      verifier.instructions(m.rows);
      // Compared: send the arrays back for the next batch.
      port.postMessage({ type: 'recycle', rows: m.rows } satisfies CheckerReply, rowBuffers(m.rows));
    }
    else if (m.type === 'sync') reply(verdict('ack', m.seq));
    else if (m.type === 'finish') {
      if (m.checkLeftovers) verifier.finish();
      reply(verdict('final', m.seq));
      port.close();
    }
  } catch (e) {
    fail(e);
  }
});
