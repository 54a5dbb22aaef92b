import { fstatSync, readFileSync, writeSync } from 'node:fs';
import type { ConsoleIO } from '@hvrr/machine';

/**
 * The guest console on the process's stdin/stdout. Output is buffered and written
 * between slices. Input is read only once the guest first looks for it: a regular
 * file (or /dev/null) is read whole at once, so runs are repeatable; a pipe or a
 * terminal delivers bytes as they arrive, and the runner yields to the event loop
 * between slices to receive them. Every byte the guest consumes is an input that
 * the recorder keeps.
 */
export class StdioConsole implements ConsoleIO {
  private out = new Uint8Array(4096);
  private outLen = 0;
  private input: number[] = [];
  private inPos = 0;
  private started = false;
  /** Whether more input may still arrive asynchronously. */
  private open = false;

  write(byte: number): void {
    if (this.outLen === this.out.length) {
      const bigger = new Uint8Array(this.out.length * 2);
      bigger.set(this.out);
      this.out = bigger;
    }
    this.out[this.outLen++] = byte;
  }

  flush(): void {
    let done = 0;
    while (done < this.outLen) {
      try {
        done += writeSync(1, this.out, done, this.outLen - done);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((e as NodeJS.ErrnoException).code === 'EPIPE') break;
        throw e;
      }
    }
    this.outLen = 0;
  }

  hasInput(): boolean {
    this.start();
    return this.inPos < this.input.length;
  }

  read(): number {
    this.start();
    return this.inPos < this.input.length ? this.input[this.inPos++] : -1;
  }

  /** True while input might still arrive (a pipe or terminal not yet at end of file). */
  get waitingForInput(): boolean {
    return this.started && this.open && this.inPos >= this.input.length;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    let isFile = false;
    try {
      const st = fstatSync(0);
      isFile = st.isFile() || (st.isCharacterDevice() && !process.stdin.isTTY);
    } catch {
      return; // no stdin at all
    }
    if (isFile) {
      try {
        this.input = Array.from(readFileSync(0));
      } catch {
        this.input = [];
      }
      return;
    }
    this.open = true;
    process.stdin.on('data', (chunk: Buffer) => {
      for (const b of chunk) this.input.push(b);
    });
    process.stdin.on('end', () => {
      this.open = false;
    });
    process.stdin.on('error', () => {
      this.open = false;
    });
  }

  /** Stops listening to stdin so the process can exit. */
  close(): void {
    if (this.open) {
      process.stdin.pause();
      process.stdin.destroy();
      this.open = false;
    }
  }
}
