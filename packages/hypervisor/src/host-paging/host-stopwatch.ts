/**
 * The only place host paging reads a clock: the real duration of a backing-store
 * operation. The value never steers a decision; it is returned to the caller, which
 * records it as an input (`--latency measured` turns it into guest-visible stall time).
 */
export function measureNs<T>(operation: () => T): { value: T; ns: number } {
  const start = process.hrtime.bigint();
  const value = operation();
  return { value, ns: Number(process.hrtime.bigint() - start) };
}
