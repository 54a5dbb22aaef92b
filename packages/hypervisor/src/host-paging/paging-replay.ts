import type { FailureInjector, IoOperation } from './backing-store.js';
import type { FaultResult } from './host-pager.js';
import type { LatencyModel } from './latency-model.js';

/**
 * What a run must record of host paging so that replay reproduces it on any host: for
 * each backing operation a fault waited for, its kind, whether it failed (and how) and
 * its cost. Everything else the pager does follows from the guest's accesses.
 * Successful slot allocations are not inputs (they cannot differ) and are not listed.
 */
export interface PagingInput {
  op: IoOperation;
  ok: boolean;
  error?: string;
  costNs: number;
}

/** The inputs in one fault's result, in the order they happened. */
export function pagingInputsOf(result: FaultResult): PagingInput[] {
  return result.ops.map((op) => (op.error === undefined ? { op: op.op, ok: op.ok, costNs: op.costNs } : { op: op.op, ok: op.ok, error: op.error, costNs: op.costNs }));
}

/**
 * Replay of recorded paging inputs: `inject` repeats the recorded failures (give it to
 * the replay's backing store, which can be `memory` whatever the recording used) and
 * `latency` hands back the recorded costs, whatever this host's disk does and whatever
 * `--latency` the replay was given. An operation that differs in kind from the recording
 * means the replay diverged, and throws.
 */
export class PagingReplay {
  private next = 0;
  readonly inject: FailureInjector = (op) => this.injectNext(op);
  readonly latency: LatencyModel = { name: 'recorded', costNs: (op) => this.costOfNext(op) };

  private readonly inputs: PagingInput[];
  private readonly more: Iterator<PagingInput> | null;

  /** The recorded inputs: all at once, or an iterator read as the replay needs them (a trace's events). */
  constructor(inputs: readonly PagingInput[] | Iterator<PagingInput>) {
    if (Array.isArray(inputs)) {
      this.inputs = inputs.slice();
      this.more = null;
    } else {
      this.inputs = [];
      this.more = inputs as Iterator<PagingInput>;
    }
  }

  get consumed(): number {
    return this.next;
  }

  /**
   * Time travel: go back (or forward) to the point where `consumed` inputs had been used,
   * as a snapshot saw it. Inputs already read stay buffered, so any position is reachable.
   */
  seek(consumed: number): void {
    if (!Number.isInteger(consumed) || consumed < 0) throw new RangeError(`paging input position ${consumed} is not a count`);
    this.next = consumed;
  }

  /** The input at position i, pulling from the iterator as far as needed. */
  private at(i: number): PagingInput | undefined {
    while (this.more !== null && this.inputs.length <= i) {
      const r = this.more.next();
      if (r.done) break;
      this.inputs.push(r.value);
    }
    return this.inputs[i];
  }

  private injectNext(op: IoOperation): string | undefined {
    const input = this.at(this.next);
    if (op === 'allocate') {
      // Only failed allocations were recorded; anything else here means this one succeeded.
      if (input?.op !== 'allocate') return undefined;
      this.next++;
      return input.error ?? 'ENOSPC';
    }
    if (input === undefined) throw new RangeError(`replay needs backing ${op} #${this.next + 1}, but the recording holds only ${this.next}`);
    if (input.op !== op) throw new RangeError(`replay diverged at backing operation #${this.next + 1}: the recording has a ${input.op}, the replay does a ${op}`);
    return input.ok ? undefined : (input.error ?? 'EIO');
  }

  private costOfNext(op: 'read' | 'write'): number {
    const input = this.at(this.next);
    if (input === undefined || input.op !== op) throw new RangeError(`replay diverged at backing operation #${this.next + 1}: no recorded ${op} here`);
    this.next++;
    return input.costNs;
  }
}
