import type { ConsoleIO } from '@hvrr/machine';
import type { InputEvent } from '@hvrr/recorder';

/** Where the console stands: polls so far and bytes the guest has read. */
export interface ConsoleState {
  polls: number;
  consumed: number;
}

/**
 * The console of a time machine: serves the recorded arrivals at their polls, as
 * ReplayConsole does, but its whole position is two numbers (polls, bytes read), so a
 * snapshot restores it. Output goes to `output` when set (the debugger may show it).
 */
export class TimeTravelConsole implements ConsoleIO {
  private readonly bytes: Uint8Array;
  /** Per arrival: its poll and the byte count released once it has arrived. */
  private readonly polls: number[];
  private readonly releasedAfter: number[];
  private pollCount = 0;
  private next = 0;
  private released = 0;
  private consumed = 0;
  output: ((byte: number) => void) | null = null;

  constructor(arrivals: InputEvent[]) {
    let total = 0;
    for (const a of arrivals) total += a.bytes.length;
    this.bytes = new Uint8Array(total);
    this.polls = [];
    this.releasedAfter = [];
    let at = 0;
    for (const a of arrivals) {
      this.bytes.set(a.bytes, at);
      at += a.bytes.length;
      this.polls.push(a.poll);
      this.releasedAfter.push(at);
    }
  }

  write(byte: number): void {
    this.output?.(byte);
  }

  hasInput(): boolean {
    this.poll();
    return this.consumed < this.released;
  }

  read(): number {
    this.poll();
    return this.consumed < this.released ? this.bytes[this.consumed++]! : -1;
  }

  save(): ConsoleState {
    return { polls: this.pollCount, consumed: this.consumed };
  }

  restore(s: ConsoleState): void {
    this.pollCount = s.polls;
    this.consumed = s.consumed;
    this.next = 0;
    while (this.next < this.polls.length && this.polls[this.next]! <= s.polls) this.next++;
    this.released = this.next === 0 ? 0 : this.releasedAfter[this.next - 1]!;
  }

  /** Bytes released by the arrivals up to poll `polls` (to turn a recorded "pending" into "consumed"). */
  releasedBy(polls: number): number {
    let n = 0;
    for (let i = 0; i < this.polls.length && this.polls[i]! <= polls; i++) n = this.releasedAfter[i]!;
    return n;
  }

  private poll(): void {
    const n = ++this.pollCount;
    while (this.next < this.polls.length && this.polls[this.next]! <= n) this.released = this.releasedAfter[this.next++]!;
  }
}
