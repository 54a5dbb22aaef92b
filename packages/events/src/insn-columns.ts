/**
 * Columnar storage of retired instructions (the `insn` events at the `full` level).
 * One row per retired instruction; each field is its own typed array so a batch is
 * written without allocating anything per instruction and serializes as raw buffers.
 */
export const INSN_HAS_STORE = 1;

export class InsnColumns {
  readonly capacity: number;
  /** Machine icount of row 0 (rows are consecutive retired instructions). */
  firstIcount = 0;
  count = 0;
  readonly pc: Int32Array;
  readonly raw: Int32Array;
  /** Value of x[rd] after the instruction (whatever the rd field names; meaningless for stores/branches). */
  readonly rdValue: Int32Array;
  readonly storeAddr: Int32Array;
  readonly storeValue: Int32Array;
  /** INSN_HAS_STORE | (store size << 1). */
  readonly flags: Uint8Array;

  constructor(capacity = 65536) {
    this.capacity = capacity;
    this.pc = new Int32Array(capacity);
    this.raw = new Int32Array(capacity);
    this.rdValue = new Int32Array(capacity);
    this.storeAddr = new Int32Array(capacity);
    this.storeValue = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  reset(firstIcount: number): void {
    this.firstIcount = firstIcount;
    this.count = 0;
  }
}
