import type { Hart } from '@hvrr/cpu';
import type { GuestClock } from './guest-clock.js';
import type { RunOutcome } from './run-outcome.js';
import type { ConsoleIO } from './console-io.js';

/** What the board's devices may reach: the hart, guest time, the console, and the end of the run. */
export interface BoardContext {
  readonly hart: Hart;
  readonly clock: GuestClock;
  readonly console: ConsoleIO;
  /** Ends the run with this outcome (the first call wins). */
  finish(outcome: RunOutcome): void;
}
