import { INSN_HAS_STORE, type InsnColumns } from '@hvrr/events';
import type { InsnRows, TraceConsumer, TraceEvent } from '@hvrr/recorder';
import { insnEvent, type InsnEvent, type ListedEvent } from './event-format.js';
import { sameValue } from './same-value.js';

/** The first difference between the recorded trace and the replay. */
export interface Mismatch {
  /** event: events differ; insn: instruction rows differ; extra: replay produced what the trace lacks; missing: the trace holds more than the replay produced. */
  kind: 'event' | 'insn' | 'extra' | 'missing';
  /** Instruction count where the replay was when it saw the difference. */
  icount: number;
  expected: ListedEvent | null;
  actual: ListedEvent | null;
  /** For instruction rows: the fields that differ. */
  fields?: string[];
}

/**
 * Compares the live stream of a replay (from a Capture) with the recorded one, event
 * by event and, at the full level, instruction row by instruction row. The first
 * difference is kept and `stop` is called so the machine halts at once.
 */
export class Verifier implements TraceConsumer {
  mismatch: Mismatch | null = null;
  /** The live run went past what a cut-off trace holds (not a divergence). */
  pastEnd = false;
  /** Instruction count of the last state hash (or end) that matched. */
  verifiedTo = 0;
  /** Whether the recorded end event was reproduced (the whole run was). */
  endMatched = false;
  /** Recorded events and rows matched so far. */
  eventsMatched = 0;
  rowsMatched = 0;
  private nextEvent: TraceEvent | null;
  private rows: InsnRows | null = null;
  private rowPos = 0;
  /** Live icount getter, for where a mismatch was seen. */
  icountNow: () => number = () => 0;

  constructor(
    private readonly events: Iterator<TraceEvent>,
    private readonly insnChunks: Iterator<InsnRows>,
    /** Whether the trace is complete: then running out of recorded data is a divergence. */
    private readonly complete: boolean,
    private readonly stop: () => void,
  ) {
    this.nextEvent = this.pullEvent();
  }

  get stopped(): boolean {
    return this.mismatch !== null || this.pastEnd;
  }

  event(live: TraceEvent): void {
    if (this.stopped) return;
    const expected = this.nextEvent;
    if (expected === null) {
      if (this.complete) this.fail({ kind: 'extra', icount: this.icountNow(), expected: null, actual: live });
      else this.ranPastEnd();
      return;
    }
    if (!sameValue(expected, live)) {
      this.fail({ kind: 'event', icount: this.icountNow(), expected, actual: live });
      return;
    }
    this.eventsMatched++;
    if (live.type === 'hash' || live.type === 'end') this.verifiedTo = live.icount;
    if (live.type === 'end') this.endMatched = true;
    this.nextEvent = this.pullEvent();
  }

  instructions(batch: InsnColumns): void {
    let i = 0;
    const n = batch.count;
    while (i < n && !this.stopped) {
      let rows = this.rows;
      if (rows === null || this.rowPos >= rows.count) {
        rows = this.pullRows();
        if (rows === null) {
          const actual = liveRow(batch, i);
          if (this.complete) this.fail({ kind: 'extra', icount: actual.icount, expected: null, actual });
          else this.ranPastEnd();
          return;
        }
      }
      const k = Math.min(n - i, rows.count - this.rowPos);
      const bad = compareRows(batch, i, rows, this.rowPos, k);
      if (bad >= 0) {
        const at = this.rowPos + (bad - i);
        const actual = liveRow(batch, bad);
        const expected = insnEvent(rows, at);
        this.fail({ kind: 'insn', icount: actual.icount, expected, actual, fields: differingFields(expected, actual) });
        return;
      }
      i += k;
      this.rowPos += k;
      this.rowsMatched += k;
    }
  }

  /** The replay ended: anything the trace still holds was never reproduced. */
  finish(): void {
    if (this.stopped) return;
    if (this.nextEvent !== null) {
      this.fail({ kind: 'missing', icount: this.icountNow(), expected: this.nextEvent, actual: null });
      return;
    }
    if (this.rows !== null && this.rowPos < this.rows.count) {
      this.fail({ kind: 'missing', icount: this.icountNow(), expected: insnEvent(this.rows, this.rowPos), actual: null });
      return;
    }
    const more = this.pullRows();
    if (more !== null && more.count > 0) this.fail({ kind: 'missing', icount: this.icountNow(), expected: insnEvent(more, 0), actual: null });
  }

  private fail(m: Mismatch): void {
    this.mismatch = m;
    this.stop();
  }

  private ranPastEnd(): void {
    this.pastEnd = true;
    this.stop();
  }

  private pullEvent(): TraceEvent | null {
    const r = this.events.next();
    return r.done ? null : r.value;
  }

  private pullRows(): InsnRows | null {
    for (;;) {
      const r = this.insnChunks.next();
      if (r.done) {
        this.rows = null;
        return null;
      }
      if (r.value.count === 0) continue;
      this.rows = r.value;
      this.rowPos = 0;
      return r.value;
    }
  }
}

function liveRow(b: InsnColumns, i: number): InsnEvent {
  const e: InsnEvent = { type: 'insn', icount: b.firstIcount + i, pc: b.pc[i]!, raw: b.raw[i]!, rdValue: (b.raw[i]! >>> 7) & 31 ? b.rdValue[i]! : 0 };
  if ((b.flags[i]! & INSN_HAS_STORE) !== 0) e.store = { addr: b.storeAddr[i]!, value: b.storeValue[i]!, size: b.flags[i]! >>> 1 };
  return e;
}

/**
 * Compares k rows: live batch from row i, recorded rows from row j. Returns the live
 * index of the first differing row, or -1. An rd value counts only when rd is not x0.
 */
function compareRows(b: InsnColumns, i: number, r: InsnRows, j: number, k: number): number {
  const lpc = b.pc, lraw = b.raw, lrd = b.rdValue, lfl = b.flags, lsa = b.storeAddr, lsv = b.storeValue;
  const rpc = r.pc, rraw = r.raw, rrd = r.rdValue, rfl = r.flags, rsa = r.storeAddr, rsv = r.storeValue;
  for (let n = 0; n < k; n++, i++, j++) {
    const w = lraw[i]!;
    if (lpc[i] !== rpc[j] || w !== rraw[j] || lfl[i] !== rfl[j]) return i;
    if (((w >>> 7) & 31) !== 0 && lrd[i] !== rrd[j]) return i;
    if ((lfl[i]! & INSN_HAS_STORE) !== 0 && (lsa[i] !== rsa[j] || lsv[i] !== rsv[j])) return i;
  }
  return -1;
}

function differingFields(a: InsnEvent, b: InsnEvent): string[] {
  const out: string[] = [];
  if (a.pc !== b.pc) out.push('pc');
  if (a.raw !== b.raw) out.push('instruction word');
  if (a.rdValue !== b.rdValue) out.push('rd value');
  if (!sameValue(a.store, b.store)) out.push('store');
  return out;
}
