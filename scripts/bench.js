// `pnpm bench`: runs every benchmark in bench/ in turn; each prints its own figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../bench/', import.meta.url));
let failed = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort()) {
  console.log(`\n## bench/${file}`);
  const r = spawnSync(process.execPath, [dir + file], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
