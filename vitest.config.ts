import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Tests import packages from source; worker threads run the compiled dist (see core/src/util/worker-url.ts),
// so `npm test` builds first.
export default defineConfig({
  resolve: {
    alias: {
      '@grid-sftp/core/api': fileURLToPath(new URL('./core/src/api/index.ts', import.meta.url)),
      '@grid-sftp/core': fileURLToPath(new URL('./core/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: [
      'core/test/**/*.test.ts',
      'main/test/**/*.test.ts',
      'renderer/test/**/*.test.{ts,tsx}',
      'test/**/*.test.ts',
    ],
    exclude: ['test/bench/**', '**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
