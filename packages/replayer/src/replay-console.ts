import type { ConsoleIO } from '@hvrr/machine';
import type { InputEvent, InputLog } from '@hvrr/recorder';

/** What the replay console knows about the input it is serving, for divergence reports. */
export interface InputPosition {
  /** The last arrival released to the guest, or null before the first. */
  arrival: InputEvent | null;
  /** Bytes of it the guest has read so far. */
  consumed: number;
  /** Bytes of all arrivals still unread. */
  pending: number;
}

/**
 * The console during replay: serves the recorded console arrivals, each at the poll
 * where the recording first saw it (see RecordingConsole), and sends the guest's
 * output to `output` (the terminal, unless --quiet) or nowhere.
 */
export class ReplayConsole implements ConsoleIO {
  private queue: number[] = [];
  private head = 0;
  private next: InputEvent | null;
  private last: InputEvent | null = null;
  private lastLeft = 0;

  constructor(
    private readonly arrivals: Iterator<InputEvent>,
    private readonly log: InputLog,
    private readonly output: ((byte: number) => void) | null,
  ) {
    this.next = this.pull();
  }

  write(byte: number): void {
    this.output?.(byte);
  }

  hasInput(): boolean {
    this.poll();
    return this.head < this.queue.length;
  }

  read(): number {
    this.poll();
    if (this.head >= this.queue.length) return -1;
    const b = this.queue[this.head++]!;
    const unreadBefore = this.queue.length - this.head + 1;
    // Bytes are served in arrival order: the last arrival's bytes are the queue's tail.
    if (unreadBefore <= this.lastLeft) this.lastLeft--;
    return b;
  }

  position(): InputPosition {
    const pending = this.queue.length - this.head;
    return { arrival: this.last, consumed: this.last === null ? 0 : this.last.bytes.length - Math.min(this.lastLeft, this.last.bytes.length), pending };
  }

  private poll(): void {
    const n = this.log.poll();
    while (this.next !== null && this.next.poll <= n) {
      const a = this.next;
      for (const b of a.bytes) this.queue.push(b);
      this.last = a;
      this.lastLeft = a.bytes.length;
      this.log.input(n, a.bytes);
      this.next = this.pull();
    }
  }

  private pull(): InputEvent | null {
    const r = this.arrivals.next();
    return r.done ? null : r.value;
  }
}
