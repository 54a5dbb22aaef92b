import { DEFAULT_CATCHUP, TIME_POLICY_NAMES, type CatchupParams, type TimePolicy, type TimePolicyName } from './time-policy.js';
import { Timeline } from './timeline.js';

/** A parsed `--time` value. `catchup` carries its parameters (defaults filled in). */
export interface TimePolicySpec {
  name: TimePolicyName;
  catchup?: CatchupParams;
}

export const DEFAULT_TIME_POLICY: TimePolicyName = 'virtual';

/**
 * Parses `virtual`, `real`, or `catchup[:threshold=DUR][,slew=X][,limit=DUR]`, where DUR
 * is a number with a unit (ns, us, ms, s), e.g. `catchup:threshold=5ms,slew=0.5,limit=2s`.
 */
export function parseTimePolicy(text: string): TimePolicySpec {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  if (!(TIME_POLICY_NAMES as readonly string[]).includes(name)) throw new RangeError(`invalid time policy '${text}': expected virtual, real or catchup[:threshold=DUR,slew=X,limit=DUR]`);
  if (name !== 'catchup') {
    if (colon >= 0) throw new RangeError(`invalid time policy '${text}': only catchup takes parameters`);
    return { name: name as TimePolicyName };
  }
  const catchup: CatchupParams = { ...DEFAULT_CATCHUP };
  if (colon >= 0) {
    for (const item of text.slice(colon + 1).split(',')) {
      const eq = item.indexOf('=');
      const key = item.slice(0, eq);
      const value = item.slice(eq + 1);
      if (eq <= 0 || value === '') throw new RangeError(`invalid time policy '${text}': expected key=value, got '${item}'`);
      if (key === 'threshold') catchup.thresholdNs = parseDuration(value);
      else if (key === 'limit') catchup.limitNs = parseDuration(value);
      else if (key === 'slew') {
        if (!/^[0-9]+(\.[0-9]+)?$/.test(value)) throw new RangeError(`invalid catch-up slew '${value}': expected a number such as 1 or 0.5`);
        catchup.slew = Number(value);
      } else throw new RangeError(`invalid time policy '${text}': unknown key '${key}' (keys: threshold, slew, limit)`);
    }
  }
  // Validates ranges (slew, threshold ≤ limit) with the same messages as the constructor.
  new Timeline('catchup', 1, catchup);
  return { name: 'catchup', catchup };
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1_000, µs: 1_000, ms: 1_000_000, s: 1_000_000_000 };

/** `250ms` → 250000000; a whole number of ns is required after scaling. */
export function parseDuration(text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s)$/.exec(text);
  const ns = match === null ? NaN : Number(match[1]) * UNIT_NS[match[2]!]!;
  if (!Number.isSafeInteger(ns)) throw new RangeError(`invalid duration '${text}': expected a number and a unit (ns, us, ms, s), a whole number of ns`);
  return ns;
}

export function formatTimePolicy(spec: TimePolicySpec): string {
  if (spec.name !== 'catchup') return spec.name;
  const { thresholdNs, slew, limitNs } = spec.catchup ?? DEFAULT_CATCHUP;
  return `catchup:threshold=${thresholdNs}ns,slew=${slew},limit=${limitNs}ns`;
}

/** One policy object per VM, at the machine's nominal ns per instruction. */
export function createTimePolicy(spec: TimePolicySpec, nsPerInsn: number): TimePolicy {
  return new Timeline(spec.name, nsPerInsn, spec.catchup ?? {});
}
