/** Hex forms used by the remote protocol (little-endian register and memory bytes) and the REPL. */

export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/** A 32-bit value as the protocol sends registers: 4 bytes, least significant first. */
export function le32Hex(n: number): string {
  const v = n >>> 0;
  let s = '';
  for (let i = 0; i < 4; i++) s += ((v >>> (8 * i)) & 0xff).toString(16).padStart(2, '0');
  return s;
}

export function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function hexToBytes(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Text as hex pairs (qRcmd arguments and `O` console output are hex-encoded). */
export function textToHex(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex');
}

export function hexToText(text: string): string {
  return Buffer.from(text, 'hex').toString('utf8');
}

/** A hex number as the protocol writes addresses and lengths (no prefix); null when malformed. */
export function parseHexNumber(text: string): number | null {
  if (!/^[0-9a-fA-F]{1,8}$/.test(text)) return null;
  return parseInt(text, 16);
}
