import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (main) and ESM (module) builds. Node, and so production, loads the CommonJS one
    // everywhere; Vite would hand our files the ESM one while Apollo keeps CommonJS, and Apollo's instanceof
    // GraphQLError checks would fail. One alias: tests load the same single graphql that production does.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own real servers on port 0; two cores, so two at a time.
    maxWorkers: 2,
    env: { NODE_ENV: 'test' },
  },
});
