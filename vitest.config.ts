import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The container test needs the image built first: `npm run test:container` (vitest.container.config.ts).
    exclude: [...configDefaults.exclude, 'test/container/**'],
    globalSetup: ['test/global-setup.ts'],
    // Integration files share one MariaDB and one Redis (each in its own database / key prefix).
    // One file at a time: the queue tests measure BullMQ's own timing (leases, stalled jobs,
    // schedulers) with shortened intervals, and on a 2-core machine a second file's load made
    // them miss those intervals.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
