// `npm run measure`: the fps/latency measurement (e2e/measure.perf.ts), not part of `npm run e2e`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/measure.perf.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 240_000,
    pool: 'forks',
  },
});
