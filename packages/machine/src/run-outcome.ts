/** How a run ended. */
export type RunOutcome =
  | { kind: 'pass'; how: string }
  | { kind: 'fail'; code: number; how: string }
  | { kind: 'budget' }
  | { kind: 'idle'; message: string }
  | { kind: 'error'; message: string }
  | { kind: 'interrupted' };

/** The exit status `hvrr run` gives an outcome (see docs/cli.md). */
export function exitStatusOf(outcome: RunOutcome): number {
  switch (outcome.kind) {
    case 'pass':
      return 0;
    case 'fail':
      return Math.min(123, Math.max(1, outcome.code));
    case 'budget':
    case 'idle':
      return 124;
    case 'interrupted':
      return 130;
    case 'error':
      return 125;
  }
}
