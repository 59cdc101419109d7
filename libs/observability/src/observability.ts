import { FaceshardMetrics } from './metrics/faceshard-metrics';
import { createLogger, type Logger } from './logging/create-logger';
import { readLogConfig, type LogConfig } from './logging/log-config';

export interface ObservabilityConfig {
  log: LogConfig;
  /** METRICS_ENABLED (default true): false records nothing and serves no /metrics (the benchmark's "off"). */
  metricsEnabled: boolean;
  /** METRICS_REQUIRE_KEY (default false): /metrics on the gateway then needs a key of every collection. */
  metricsRequireKey: boolean;
  /** SHARD_METRICS_PORT: where a shard process serves /metrics (0: any free port); unset: not served. */
  shardMetricsPort?: number;
  /** SHARD_METRICS_HOST (default 127.0.0.1; 0.0.0.0 in containers so Prometheus can reach it). */
  shardMetricsHost: string;
}

/** The logger and metrics of one process, made once by its entry point and handed to what it starts. */
export interface Observability {
  log: Logger;
  /** Undefined when metrics are off: nothing is hooked in, so they cost nothing. */
  metrics?: FaceshardMetrics;
  config: ObservabilityConfig;
}

export function readObservabilityConfig(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const port = env.SHARD_METRICS_PORT;
  if (port !== undefined && port !== '' && !(Number.isInteger(Number(port)) && Number(port) >= 0 && Number(port) < 65536)) {
    throw new Error(`SHARD_METRICS_PORT must be a port number (0: any free port), got "${port}"`);
  }
  return {
    log: readLogConfig(env),
    metricsEnabled: flag('METRICS_ENABLED', env.METRICS_ENABLED, true),
    metricsRequireKey: flag('METRICS_REQUIRE_KEY', env.METRICS_REQUIRE_KEY, false),
    shardMetricsPort: port === undefined || port === '' ? undefined : Number(port),
    shardMetricsHost: env.SHARD_METRICS_HOST || '127.0.0.1',
  };
}

export function createObservability(config: ObservabilityConfig, base: Record<string, string>, options: { processMetrics?: boolean } = {}): Observability {
  const metrics = config.metricsEnabled ? new FaceshardMetrics({ defaultMetrics: options.processMetrics ?? true }) : undefined;
  return { log: createLogger(config.log, base), metrics, config };
}

/**
 * For gateways and shards started without one (tests, tools, several in one process): warnings
 * and errors only, faceshard_* metrics on, but no process metrics (their event-loop monitor and
 * GC observer would outlive each test's platform), nothing served by a shard.
 */
export function quietObservability(base: Record<string, string>): Observability {
  return createObservability({ ...readObservabilityConfig({}), log: { level: 'warn' } }, base, { processMetrics: false });
}

function flag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(value.toLowerCase())) return true;
  if (['0', 'false', 'off', 'no'].includes(value.toLowerCase())) return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}
