import { writeSync } from 'node:fs';

/** Buffered stdout that stops quietly when the reader goes away (`| head`). */
export class StdoutLines {
  private parts: string[] = [];
  private size = 0;
  closed = false;
  line(s: string): void {
    if (this.closed) return;
    this.parts.push(s, '\n');
    this.size += s.length + 1;
    if (this.size > 1 << 16) this.flush();
  }
  flush(): void {
    if (this.closed || this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    let done = 0;
    while (done < buf.length) {
      try {
        done += writeSync(1, buf, done, buf.length - done);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EPIPE') {
          this.closed = true;
          return;
        }
        throw e;
      }
    }
  }
}
