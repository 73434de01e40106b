import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Kernel-backend tests share the machine's single DAMON sysfs tree and tracefs: run files one at a time.
    fileParallelism: false,
  },
});
