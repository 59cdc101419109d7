import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    // Unit tests of pure logic sit next to their source; tests against real NATS, Redis,
    // ONNX models and LFW photos live under test/.
    include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'test/**/*.test.ts'],
    // A tag per run for test cluster names; at the end, this run's metadata buckets leave NATS.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: integration suites start real processes; running them all at once only thrashes.
    maxWorkers: 2,
  },
});
