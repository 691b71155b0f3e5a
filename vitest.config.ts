import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The compiled code some tests run (ingest worker, CLI) is rebuilt first if stale.
    globalSetup: ['test/global-setup.ts'],
    // Integration tests start real servers and the embedded ClickHouse engine; the engine is a
    // process singleton per data path, so each test file runs in its own forked process.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
