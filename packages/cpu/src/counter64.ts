const TWO64 = 1n << 64n;
const MASK32 = 0xffffffffn;

/**
 * A 64-bit machine counter (mcycle, minstret) derived from the hart's retired
 * instruction count, so that counting costs nothing per instruction: the value is
 * `icount - base` (mod 2^64), frozen while mcountinhibit says so. BigInt only runs on
 * CSR accesses, never in the hot loop.
 */
export class Counter64 {
  private base = 0n;
  private frozen: bigint | null = null;

  value(icount: number): bigint {
    if (this.frozen !== null) return this.frozen;
    return (((BigInt(icount) - this.base) % TWO64) + TWO64) % TWO64;
  }

  /**
   * Sets the counter as a CSR write by the instruction retiring at `icount`: the write
   * suppresses that instruction's own increment, so the next instruction sees `v`.
   */
  set(icount: number, v: bigint): void {
    v = ((v % TWO64) + TWO64) % TWO64;
    if (this.frozen !== null) this.frozen = v;
    else this.base = BigInt(icount + 1) - v;
  }

  low(icount: number): number {
    return Number(this.value(icount) & MASK32) | 0;
  }

  high(icount: number): number {
    return Number(this.value(icount) >> 32n) | 0;
  }

  setLow(icount: number, lo: number): void {
    const v = this.value(icount);
    this.set(icount, (v & ~MASK32) | BigInt(lo >>> 0));
  }

  setHigh(icount: number, hi: number): void {
    const v = this.value(icount);
    this.set(icount, (BigInt(hi >>> 0) << 32n) | (v & MASK32));
  }

  /** mcountinhibit changed: freeze at the current value, or resume counting from it. */
  setInhibited(icount: number, inhibited: boolean): void {
    // Like any CSR write, the change takes effect after the writing instruction retires.
    if (inhibited && this.frozen === null) this.frozen = this.value(icount + 1);
    else if (!inhibited && this.frozen !== null) {
      this.base = BigInt(icount + 1) - this.frozen;
      this.frozen = null;
    }
  }

  /** State for snapshots: [base, frozen or -1n]. */
  save(): [bigint, bigint] {
    return [this.base, this.frozen ?? -1n];
  }

  restore([base, frozen]: [bigint, bigint]): void {
    this.base = base;
    this.frozen = frozen < 0n ? null : frozen;
  }
}
