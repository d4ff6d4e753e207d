import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own real servers on port 0; two cores, so two at a time.
    maxWorkers: 2,
    env: { NODE_ENV: 'test' },
  },
});
