// Runs the CLI exactly as users and the checks do: `pnpm -s hvrr ...` at the repo root.
// ensureBuilt() runs `pnpm exec tsc -b` once per test file; a lock directory keeps two
// test files (vitest runs them in parallel) from building into dist/ at the same time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const lockDir = join(tmpdir(), `hvrr-build-${createHash('sha1').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`);

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function ensureBuilt(): void {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      // A lock older than two minutes belongs to a build that died.
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > 120_000) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        /* gone already */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      sleep(200);
    }
  }
  try {
    const build = spawnSync('pnpm', ['exec', 'tsc', '-b'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`pnpm exec tsc -b failed:\n${build.stdout}${build.stderr}`);
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

export interface HvrrResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function hvrr(args: string[], options: { input?: string | Buffer; timeout?: number } = {}): HvrrResult {
  const r = spawnSync('pnpm', ['-s', 'hvrr', ...args], {
    cwd: REPO_ROOT,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeout ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
