import { closeSync, openSync, writeSync } from 'node:fs';

/** Where trace bytes go, in order. */
export interface TraceOutput {
  write(bytes: Uint8Array): void;
  close(): void;
}

/** Collects a trace in memory (tests, fixtures). */
export class MemoryOutput implements TraceOutput {
  private parts: Uint8Array[] = [];
  private length = 0;
  write(bytes: Uint8Array): void {
    this.parts.push(bytes.slice());
    this.length += bytes.length;
  }
  close(): void {}
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/**
 * Writes a trace file as it goes: every chunk reaches the file when it is made, so a
 * crash leaves a trace readable up to its last whole chunk.
 */
export class FileOutput implements TraceOutput {
  private fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }
  write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
  }
  /** Closes the file. No fsync: a crashed process's writes survive in the page cache, and only a lost machine loses more than the last chunk. */
  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}
