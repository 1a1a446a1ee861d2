import { defineConfig } from 'vitest/config';

/**
 * The container test (`npm run test:container`, scripts/container-test.sh): the image built from
 * the Dockerfile, run with podman against the local MariaDB and Redis. Not part of `npm test`: it
 * needs the image, which the script builds first (CONTAINER_IMAGE).
 */
export default defineConfig({
  test: {
    include: ['test/container/**/*.test.ts'],
    // One container scenario at a time: two cores, and each starts several Node processes.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
