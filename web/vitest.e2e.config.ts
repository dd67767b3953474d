// End-to-end suite: starts a real `lingjing demo` and drives Debian's chromium via playwright-core.
// One browser at a time, generous timeouts (the binary may be an ASan build on a shared machine).
// The global setup builds the client from web/src once per run (e2e/global-setup.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 240_000,
    pool: 'forks',
  },
});
