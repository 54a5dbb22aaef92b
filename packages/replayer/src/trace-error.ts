/**
 * A trace that cannot be used as it is: `unreadable` (not a trace, or a version this
 * hvrr does not read) or `corrupt` (a chunk fails its CRC or does not decode). The
 * message names the place: chunk number, kind and byte offset.
 */
export class TraceError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreadable' | 'corrupt',
    readonly offset: number | null = null,
  ) {
    super(message);
  }
}
