#!/usr/bin/env node
// Launcher: runs the compiled CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('hvrr: not built yet; run `pnpm install && pnpm build` at the repository root\n');
  process.exit(125);
}
await import(main);
