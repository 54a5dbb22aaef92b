/**
 * Continue and reverse-continue in slices, so that a long search leaves the event loop
 * free between slices: a gdb interrupt (\x03) or a Ctrl-C at the REPL is read there and
 * stops the search. The engine runs synchronously; each slice is bounded by `limit`.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DebugEngine, StopConditions, StopInfo } from './engine.js';

export type Direction = 'forward' | 'reverse';

export interface RunControlOptions {
  /** Asked between slices; true stops the run with reason 'interrupted'. */
  interrupted?: () => boolean;
  /** Instructions in the first slice; later slices aim at `sliceMs` each. */
  firstSlice?: number;
  sliceMs?: number;
}

const MIN_SLICE = 10_000;
const MAX_SLICE = 200_000_000;

export async function runUntilStop(engine: DebugEngine, direction: Direction, conditions: StopConditions, options: RunControlOptions = {}): Promise<StopInfo> {
  const breakpoints = new Set(conditions.breakpoints ?? []);
  const vmBreakpoints = [...(conditions.vmBreakpoints ?? [])];
  const stable: StopConditions = { ...conditions, breakpoints, ...(vmBreakpoints.length > 0 ? { vmBreakpoints } : {}) };
  // Progress is the machine's count (a VM view's own count stands still while other VMs run).
  const machineCount = () => engine.machineIcount ?? engine.icount;
  const sliceMs = options.sliceMs ?? 40;
  let slice = options.firstSlice ?? 1_000_000;
  const controller = new AbortController();
  for (;;) {
    const before = machineCount();
    const started = performance.now();
    const stop =
      direction === 'forward'
        ? engine.continue(stable, { limit: slice, signal: controller.signal })
        : engine.reverseContinue(stable, { limit: slice, signal: controller.signal });
    if (stop.reason !== 'limit') return stop;
    // A slice that ends on a breakpoint has reached it: the next slice would step off it.
    if (breakpoints.has(stop.pc >>> 0)) return { ...stop, reason: 'breakpoint' };
    if (vmBreakpoints.length > 0) {
      const running = engine.runningVm?.() ?? null;
      if (vmBreakpoints.some((b) => b.vm === running && b.pc >>> 0 === stop.pc >>> 0)) return { ...stop, reason: 'breakpoint' };
    }
    if ((stop.machineIcount ?? stop.icount) === before) return stop; // no progress: do not spin
    const took = performance.now() - started;
    if (took > 0) slice = Math.min(MAX_SLICE, Math.max(MIN_SLICE, Math.round((slice * sliceMs) / took)));
    await yieldToEventLoop();
    if (options.interrupted?.()) {
      controller.abort();
      return { reason: 'interrupted', icount: engine.icount, pc: engine.hart.pc };
    }
  }
}
