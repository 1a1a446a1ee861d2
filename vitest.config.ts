import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure logic, no services, seconds: `npm run test:unit`) and `integration`
 * (the real MariaDB and Redis, the wire test servers, the built CLI). `npm test` runs both.
 * The container test has its own config (vitest.container.config.ts): it needs the image first.
 */
export default defineConfig({
  test: {
    // Integration files share one MariaDB and one Redis (each in its own database / key prefix).
    // One file at a time: the queue tests measure BullMQ's own timing (leases, stalled jobs,
    // schedulers) with shortened intervals, and on a 2-core machine a second file's load made
    // them miss those intervals.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/container/**'],
          // Builds dist/ once: tests that spawn the real CLI run the code under test.
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
