import { CliError } from './cli-error.js';

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** Parses a memory size such as 128M, 64MiB, 1G or 65536 (bytes). */
export function parseSize(text: string, what = 'size'): number {
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new CliError(`invalid ${what} '${text}': use a number with an optional unit K, M or G (e.g. 128M)`);
  return Number(m[1]) * unit;
}

/** Parses a non-negative integer count; accepts 1e6, 1_000_000 and 0x forms. */
export function parseCount(text: string, what: string): number {
  const cleaned = text.replace(/_/g, '').trim();
  const n = /^0x[0-9a-f]+$/i.test(cleaned) ? parseInt(cleaned, 16) : Number(cleaned);
  if (cleaned === '' || !Number.isFinite(n) || n < 0 || !Number.isInteger(n)) throw new CliError(`invalid ${what} '${text}': expected a non-negative integer`);
  return n;
}

export function parsePositiveNumber(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`invalid ${what} '${text}': expected a positive number`);
  return n;
}
