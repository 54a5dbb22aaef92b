import type { HvrrEvent } from './events.js';
import type { InsnColumns } from './insn-columns.js';

/**
 * Where the machine sends what happens. The recorder implements it; a run without
 * recording attaches none and the emulator skips all event work.
 */
export interface EventSink {
  /** Whether retired instructions should be logged (the `full` level). */
  readonly wantsInstructions: boolean;
  /** Whether device accesses and other non-input events should be emitted (`events` and `full`). */
  readonly wantsEvents: boolean;
  emit(event: HvrrEvent): void;
  /** A full batch of retired instructions; the sink must copy what it keeps before returning. */
  instructions(batch: InsnColumns): void;
}

/** A sink that keeps everything in memory; for tests and small tools. */
export class MemorySink implements EventSink {
  readonly events: HvrrEvent[] = [];
  readonly batches: { firstIcount: number; pc: Int32Array; raw: Int32Array; rdValue: Int32Array; storeAddr: Int32Array; storeValue: Int32Array; flags: Uint8Array }[] = [];
  constructor(
    readonly wantsInstructions = false,
    readonly wantsEvents = true,
  ) {}
  emit(event: HvrrEvent): void {
    this.events.push(event);
  }
  instructions(b: InsnColumns): void {
    const n = b.count;
    this.batches.push({
      firstIcount: b.firstIcount,
      pc: b.pc.slice(0, n),
      raw: b.raw.slice(0, n),
      rdValue: b.rdValue.slice(0, n),
      storeAddr: b.storeAddr.slice(0, n),
      storeValue: b.storeValue.slice(0, n),
      flags: b.flags.slice(0, n),
    });
  }
}
