/**
 * The guest's console as the devices see it: bytes out, bytes in. Console input is an
 * input of the run (recorded by the recorder); output is buffered and flushed by the
 * runner between slices.
 */
export interface ConsoleIO {
  write(byte: number): void;
  /** Whether an input byte is available now. */
  hasInput(): boolean;
  /** The next input byte, or -1 when none is available. */
  read(): number;
}

/** A console that collects output in memory and serves input from a fixed buffer. */
export class BufferConsole implements ConsoleIO {
  private readonly out: number[] = [];
  private inPos = 0;
  constructor(private input: Uint8Array = new Uint8Array(0)) {}
  write(byte: number): void {
    this.out.push(byte & 0xff);
  }
  hasInput(): boolean {
    return this.inPos < this.input.length;
  }
  read(): number {
    return this.inPos < this.input.length ? this.input[this.inPos++] : -1;
  }
  /** Appends more input (as if typed). */
  feed(bytes: Uint8Array): void {
    const merged = new Uint8Array(this.input.length - this.inPos + bytes.length);
    merged.set(this.input.subarray(this.inPos));
    merged.set(bytes, this.input.length - this.inPos);
    this.input = merged;
    this.inPos = 0;
  }
  /** Output so far, and clears it. */
  take(): Uint8Array {
    const bytes = Uint8Array.from(this.out);
    this.out.length = 0;
    return bytes;
  }
  text(): string {
    return Buffer.from(this.out).toString('latin1');
  }
}
