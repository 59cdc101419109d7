import { describe, expect, it } from 'vitest';
import { createObservability, readObservabilityConfig } from './observability';

describe('readObservabilityConfig', () => {
  it('defaults: info logs, metrics on without a key, no shard metrics port', () => {
    expect(readObservabilityConfig({})).toEqual({
      log: { level: 'info' },
      metricsEnabled: true,
      metricsRequireKey: false,
      shardMetricsPort: undefined,
      shardMetricsHost: '127.0.0.1',
    });
  });

  it('reads every variable, port 0 included', () => {
    const c = readObservabilityConfig({ LOG_LEVEL: 'debug', METRICS_ENABLED: 'false', METRICS_REQUIRE_KEY: '1', SHARD_METRICS_PORT: '0', SHARD_METRICS_HOST: '0.0.0.0' });
    expect(c).toEqual({ log: { level: 'debug' }, metricsEnabled: false, metricsRequireKey: true, shardMetricsPort: 0, shardMetricsHost: '0.0.0.0' });
  });

  it('refuses a bad flag or port by name', () => {
    expect(() => readObservabilityConfig({ METRICS_ENABLED: 'maybe' })).toThrow(/METRICS_ENABLED/);
    expect(() => readObservabilityConfig({ SHARD_METRICS_PORT: '70000' })).toThrow(/SHARD_METRICS_PORT/);
    expect(() => readObservabilityConfig({ SHARD_METRICS_PORT: 'x' })).toThrow(/SHARD_METRICS_PORT/);
  });

  it('has no metrics object at all when metrics are off', () => {
    expect(createObservability(readObservabilityConfig({ METRICS_ENABLED: 'false' }), {}).metrics).toBeUndefined();
    expect(createObservability(readObservabilityConfig({}), {}).metrics).toBeDefined();
  });
});
