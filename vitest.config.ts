import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Tests import the workspace packages from source, so they never run against a stale build.
const packages = ['events', 'mmu', 'cpu', 'machine', 'hypervisor', 'recorder', 'replayer', 'cli'];
const alias = packages.map((name) => ({
  find: `@hvrr/${name}`,
  replacement: fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url)),
}));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
