import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'test/unit/**/*.test.ts',
            'test/sandbox/**/*.test.ts',
            'test/infra/**/*.test.ts',
            'test/e2e/**/*.test.ts',
            'test/cli/**/*.unit.test.ts',
          ],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/cli/**/*.integration.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'vendor',
          include: ['test/vendor/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
