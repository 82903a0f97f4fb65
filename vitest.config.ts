import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // e2e tests build and load real Go services: run files one at a time so
    // one service's load does not steal CPU from another's measurement.
    fileParallelism: false,
    reporters: ['default'],
  },
})
