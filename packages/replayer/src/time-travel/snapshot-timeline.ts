import { RAM_BASE, type Machine } from '@hvrr/machine';
import {
  CHUNK_SNAPSHOT,
  decodeMachineState,
  restoreMachineState,
  saveMachineState,
  type MachineSnapshot,
  type SnapshotRecord,
  type StateContributor,
} from '@hvrr/recorder';
import type { TraceReader } from '../trace-reader.js';
import { PageStore } from './page-store.js';
import type { ConsoleState, TimeTravelConsole } from './tt-console.js';

/**
 * start: the freshly built machine; trace: read from the trace's snapshot chunks;
 * keep: laid at multiples of the snapshot interval; dense: laid near where seeks go.
 */
export type SnapshotKind = 'start' | 'trace' | 'keep' | 'dense';

export interface Snapshot {
  kind: SnapshotKind;
  icount: number;
  attempts: number;
  state: MachineSnapshot;
  console: ConsoleState;
  /** RAM page ids in the PageStore. */
  ids: Int32Array;
}

/** Fixed cost of a snapshot besides its page ids: the CSR file and the rest of the state. */
const SNAPSHOT_OVERHEAD = 20 * 1024;

/**
 * The snapshots of a time machine, ordered by attempts: taking, finding, restoring,
 * and dropping them to stay within a memory budget (docs/time-travel.md).
 */
export class SnapshotTimeline {
  private readonly snaps: Snapshot[] = [];
  readonly store: PageStore;

  constructor(
    private readonly machine: Machine,
    private readonly contributors: StateContributor[],
    private readonly console: TimeTravelConsole,
    readonly memoryBudget: number,
  ) {
    this.store = new PageStore(machine.bus.ram);
    // What the machine's construction put in RAM (images, device tree, a hypervisor's setup).
    const ids = this.store.start(this.store.nonZeroPages());
    machine.hart.clearDirtyPages();
    this.snaps.push(this.snapshotOf('start', ids));
  }

  /**
   * Adds the trace's snapshot chunks (each holds the pages written since the one
   * before). Returns how many there were and the attempts of the last. `usable` says
   * whether a chunk's machine state can be restored; one trace's chunks are all alike
   * (one recorder wrote them), so loading stops at the first that cannot.
   */
  loadTrace(reader: TraceReader, usable: (state: MachineSnapshot) => boolean = () => true): { count: number; lastAttempts: number } {
    let base = this.snaps[0]!.ids;
    let count = 0;
    let lastAttempts = 0;
    for (const c of reader.chunks) {
      if (c.kind !== CHUNK_SNAPSHOT) continue;
      const r = reader.payload(c) as SnapshotRecord;
      const state = decodeMachineState(r.state);
      if (!usable(state)) break;
      const pv = new DataView(r.pages.buffer, r.pages.byteOffset, r.pages.byteLength);
      const pages: number[] = [];
      for (let i = 0; i < r.pages.length / 4; i++) pages.push(pv.getUint32(i * 4, true));
      const ids = this.store.derive(base, pages, r.data);
      const consumed = this.console.releasedBy(r.console.polls) - r.console.pending;
      this.insert({ kind: 'trace', icount: r.icount, attempts: r.attempts, state, console: { polls: r.console.polls, consumed }, ids });
      base = ids;
      count++;
      lastAttempts = r.attempts;
    }
    return { count, lastAttempts };
  }

  get count(): number {
    return this.snaps.length;
  }

  stats(): { count: number; trace: number; bytes: number } {
    return { count: this.snaps.length, trace: this.snaps.filter((s) => s.kind === 'trace').length, bytes: this.memoryUsed() };
  }

  /** Where the snapshots are, in order. */
  positions(): { kind: SnapshotKind; icount: number; attempts: number }[] {
    return this.snaps.map((s) => ({ kind: s.kind, icount: s.icount, attempts: s.attempts }));
  }

  /** The latest snapshot satisfying `ok` (the start one when none does). */
  nearest(ok: (s: Snapshot) => boolean): Snapshot {
    for (let i = this.snaps.length - 1; i >= 0; i--) if (ok(this.snaps[i]!)) return this.snaps[i]!;
    return this.snaps[0]!;
  }

  /** Snapshots the machine as it is, unless one exists at these attempts or the run has ended. */
  take(kind: SnapshotKind): void {
    const m = this.machine;
    if (m.outcome !== null) return;
    const attempts = m.hart.attempts;
    const i = this.indexAfter(attempts);
    if (i > 0 && this.snaps[i - 1]!.attempts === attempts) return;
    const ids = this.store.capture();
    m.hart.clearDirtyPages();
    this.insert(this.snapshotOf(kind, ids));
    this.enforceBudget(attempts);
  }

  /** Puts the machine, its RAM and the console back as `s` holds them; drops translated code of changed pages. */
  restore(s: Snapshot): void {
    const hart = this.machine.hart;
    this.store.restore(s.ids, (p) => hart.invalidateCode(RAM_BASE + p * 4096, 4096));
    hart.clearDirtyPages();
    restoreMachineState(this.machine, s.state, this.contributors);
    this.console.restore(s.console);
  }

  private snapshotOf(kind: SnapshotKind, ids: Int32Array): Snapshot {
    const state = saveMachineState(this.machine, this.contributors);
    return { kind, icount: state.icount, attempts: state.attempts, state, console: this.console.save(), ids };
  }

  private insert(s: Snapshot): void {
    this.snaps.splice(this.indexAfter(s.attempts), 0, s);
  }

  /** Index of the first snapshot with more attempts than `attempts`. */
  private indexAfter(attempts: number): number {
    let lo = 0;
    let hi = this.snaps.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.snaps[mid]!.attempts <= attempts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private memoryUsed(): number {
    return this.store.bytes + this.snaps.length * (this.store.pageCount * 4 + SNAPSHOT_OVERHEAD);
  }

  /** Drops dense snapshots far from `here` first, then kept ones; never the start or the trace's. */
  private enforceBudget(here: number): void {
    while (this.memoryUsed() > this.memoryBudget) {
      let worst = -1;
      let worstScore = -1;
      for (let i = 0; i < this.snaps.length; i++) {
        const s = this.snaps[i]!;
        if (s.kind === 'start' || s.kind === 'trace') continue;
        const score = Math.abs(s.attempts - here) * (s.kind === 'dense' ? 16 : 1);
        if (score > worstScore) {
          worst = i;
          worstScore = score;
        }
      }
      if (worst < 0) return;
      const [gone] = this.snaps.splice(worst, 1);
      this.store.release(gone!.ids);
    }
  }
}
