import { defineConfig } from 'vitest/config';

// Two projects: unit tests sit beside the code and need no services; integration
// scenarios share one local stack started by the global setup (once per run).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'infra/**/*.test.ts', 'bench/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/globalSetup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // The stack has 2 cores to share: integration files run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
