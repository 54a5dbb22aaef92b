import type { ConsoleIO } from '@hvrr/machine';

/** Where consoles report polls and arrivals (the Capture). */
export interface InputLog {
  /** Counts one console poll (hasInput or read) and returns its number, from 1. */
  poll(): number;
  /** Bytes that became available at poll number `poll`. */
  input(poll: number, bytes: Uint8Array): void;
}

/**
 * Wraps the live console while recording. On every poll it takes whatever the live
 * console has that the guest has not been offered yet, logs it as one arrival at
 * that poll, and serves the guest from its own queue. Replay releases each arrival at
 * the same poll, so the guest sees the same bytes at the same instruction whatever
 * the host's timing was.
 */
export class RecordingConsole implements ConsoleIO {
  private queue: number[] = [];
  private head = 0;

  constructor(
    private readonly live: ConsoleIO,
    private readonly log: InputLog,
  ) {}

  /** Bytes offered to the guest and not yet read (snapshots keep the input position). */
  get pending(): number {
    return this.queue.length - this.head;
  }

  write(byte: number): void {
    this.live.write(byte);
  }

  hasInput(): boolean {
    this.poll();
    return this.head < this.queue.length;
  }

  read(): number {
    this.poll();
    return this.head < this.queue.length ? this.queue[this.head++]! : -1;
  }

  private poll(): void {
    const n = this.log.poll();
    if (!this.live.hasInput()) return;
    const bytes: number[] = [];
    while (this.live.hasInput()) {
      const b = this.live.read();
      if (b < 0) break;
      bytes.push(b & 0xff);
    }
    if (bytes.length === 0) return;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    for (const b of bytes) this.queue.push(b);
    this.log.input(n, Uint8Array.from(bytes));
  }
}
