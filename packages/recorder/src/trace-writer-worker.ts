/**
 * The worker thread behind WorkerTraceSink: runs a TraceWriter on a FileOutput and
 * applies the messages the recording thread posts, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { InsnColumns } from '@hvrr/events';
import { TraceWriter } from './trace-writer.js';
import { FileOutput } from './trace-output.js';
import type { WorkerMessage } from './worker-trace-sink.js';
import { rowBuffers } from './row-batcher.js';

const port = parentPort!;
let writer: TraceWriter | null = null;
try {
  writer = new TraceWriter(new FileOutput((workerData as { path: string }).path));
} catch (e) {
  port.postMessage({ type: 'error', message: (e as Error).message, code: (e as NodeJS.ErrnoException).code });
}

port.on('message', (msg: WorkerMessage) => {
  if (writer === null) return;
  try {
    switch (msg.type) {
      case 'header':
        writer.header(msg.header);
        break;
      case 'events':
        for (const e of msg.events) writer.event(e);
        break;
      case 'insns':
        writer.instructions(msg.rows as unknown as InsnColumns);
        // The rows are encoded: send the arrays back for the next batch.
        port.postMessage({ type: 'recycle', rows: msg.rows }, rowBuffers(msg.rows));
        break;
      case 'snapshot':
        writer.snapshot(msg.snapshot);
        break;
      case 'flush':
        writer.flush();
        port.postMessage({ type: 'ack', seq: msg.seq, size: writer.size });
        break;
      case 'close':
        writer.close();
        port.postMessage({ type: 'closed', size: writer.size });
        writer = null;
        port.close();
        break;
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).message, code: (e as NodeJS.ErrnoException).code });
    writer = null;
  }
});
