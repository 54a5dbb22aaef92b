import type { Machine } from '@hvrr/machine';
import { encodeMachineState, machineContributors, saveMachineState, type StateContributor } from './machine-snapshot.js';

/** Instruction attempts between the snapshots a recording writes (rounded up to hash points). */
export const DEFAULT_SNAPSHOT_EVERY = 2_000_000;

/**
 * A snapshot chunk's payload (docs/trace-format.md, "Snapshot chunks"): the machine's
 * state besides RAM, the console's input position, and the RAM pages written since
 * the previous snapshot chunk (since the machine was built, for the first).
 */
export interface SnapshotRecord {
  icount: number;
  attempts: number;
  /** encodeMachineState's value. */
  state: unknown;
  /** Console polls so far, and bytes released to the guest but not yet read. */
  console: { polls: number; pending: number };
  /** Page numbers (RAM offset / 4096) as u32 little-endian. */
  pages: Uint8Array;
  /** The pages' 4096 bytes each, in the order of `pages`. */
  data: Uint8Array;
}

/** Where the console position comes from while recording. */
export interface ConsolePosition {
  polls(): number;
  pending(): number;
}

/**
 * Writes snapshot chunks while recording. Called at every hash point, before the
 * state hash clears the RAM's dirty-page flags (the hash and the snapshots share that
 * epoch): it collects the flags of every epoch into its own set, and every `every`
 * attempts writes the pages of that set and starts a new one.
 */
export class SnapshotWriter {
  private readonly touched: Uint8Array;
  private next: number;
  private readonly contributors: StateContributor[];
  written = 0;

  constructor(
    private readonly machine: Machine,
    private readonly console: ConsolePosition,
    readonly every: number,
    private readonly out: (r: SnapshotRecord) => void,
    extra: StateContributor[] = [],
  ) {
    if (!(Number.isInteger(every) && every > 0)) throw new RangeError(`snapshot interval must be a positive integer, got ${every}`);
    this.touched = new Uint8Array(machine.bus.ram.size >>> 12);
    this.next = every;
    this.contributors = machineContributors(machine, extra);
  }

  /** A hash point is about to clear the dirty flags. */
  beforeHash(): void {
    const dirty = this.machine.bus.ram.dirty;
    const touched = this.touched;
    for (let p = dirty.indexOf(1); p >= 0; p = dirty.indexOf(1, p + 1)) touched[p] = 1;
    const attempts = this.machine.hart.attempts;
    if (attempts < this.next) return;
    this.next = (Math.floor(attempts / this.every) + 1) * this.every;
    this.out(this.record());
    touched.fill(0);
    this.written++;
  }

  private record(): SnapshotRecord {
    const m = this.machine;
    const ram = m.bus.ram;
    const list: number[] = [];
    const touched = this.touched;
    for (let p = touched.indexOf(1); p >= 0; p = touched.indexOf(1, p + 1)) list.push(p);
    const pages = new Uint8Array(list.length * 4);
    const pv = new DataView(pages.buffer);
    const data = new Uint8Array(list.length * 4096);
    list.forEach((p, i) => {
      pv.setUint32(i * 4, p, true);
      data.set(ram.u8.subarray(p * 4096, p * 4096 + 4096), i * 4096);
    });
    const s = saveMachineState(m, this.contributors);
    return { icount: s.icount, attempts: s.attempts, state: encodeMachineState(s), console: { polls: this.console.polls(), pending: this.console.pending() }, pages, data };
  }
}
