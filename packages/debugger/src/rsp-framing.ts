/**
 * The GDB remote serial protocol's framing: `$data#cc` packets with a modulo-256
 * checksum, `+`/`-` acknowledgements (until no-ack mode), and a bare \x03 byte as the
 * interrupt request. Packet bodies are handled as latin1 strings, one char per byte.
 */

export function checksum(data: string): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum = (sum + data.charCodeAt(i)) & 0xff;
  return sum;
}

export function framePacket(data: string): string {
  return `$${data}#${checksum(data).toString(16).padStart(2, '0')}`;
}

/** Escapes binary reply data (qXfer): `#`, `$`, `}` and `*` become `}` and the byte xor 0x20. */
export function escapeBinary(data: string): string {
  return data.replace(/[#$}*]/g, (c) => '}' + String.fromCharCode(c.charCodeAt(0) ^ 0x20));
}

export function unescapeBinary(data: string): string {
  return data.replace(/\}([\s\S])/g, (_, c: string) => String.fromCharCode(c.charCodeAt(0) ^ 0x20));
}

export type RspInput =
  | { kind: 'packet'; data: string }
  | { kind: 'bad-packet'; data: string }
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'interrupt' };

/** Splits a byte stream from gdb into packets, acknowledgements and interrupts. */
export class RspDecoder {
  private state: 'idle' | 'body' | 'sum1' | 'sum2' = 'idle';
  private body = '';
  private sum = '';

  feed(chunk: Buffer | string): RspInput[] {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const out: RspInput[] = [];
    for (const c of text) {
      switch (this.state) {
        case 'idle':
          if (c === '$') {
            this.state = 'body';
            this.body = '';
          } else if (c === '+') out.push({ kind: 'ack' });
          else if (c === '-') out.push({ kind: 'nack' });
          else if (c === '\x03') out.push({ kind: 'interrupt' });
          // Anything else between packets is line noise and is dropped.
          break;
        case 'body':
          if (c === '#') {
            this.state = 'sum1';
            this.sum = '';
          } else this.body += c;
          break;
        case 'sum1':
          this.sum = c;
          this.state = 'sum2';
          break;
        case 'sum2': {
          this.sum += c;
          this.state = 'idle';
          const ok = /^[0-9a-fA-F]{2}$/.test(this.sum) && parseInt(this.sum, 16) === checksum(this.body);
          out.push({ kind: ok ? 'packet' : 'bad-packet', data: this.body });
          break;
        }
      }
    }
    return out;
  }
}
