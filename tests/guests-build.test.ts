// The committed guest images (packages/guests/images) must be exactly what their
// sources build to. Needs clang 14 and ld.lld (CI installs them); skipped without.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const build = fileURLToPath(new URL('../packages/guests/build.mjs', import.meta.url));
const hasClang14 = /clang version 14\./.test(spawnSync('clang', ['--version'], { encoding: 'utf8' }).stdout ?? '');

describe.skipIf(!hasClang14)('guest images', () => {
  it('rebuild bit for bit from their sources (build.mjs --check)', () => {
    const r = spawnSync(process.execPath, [build, '--check'], { encoding: 'utf8', timeout: 300_000 });
    expect(r.stderr + r.stdout).toContain('match');
    expect(r.status).toBe(0);
  });
});
