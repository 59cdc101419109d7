import { intFrom, oneOf } from '@faceshard/config';

/** OTEL_TRACES_SAMPLER's values (the OpenTelemetry spec's, less the Jaeger and X-Ray ones). */
export const SAMPLER_NAMES = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface SamplerSpec {
  /** What a trace that starts here gets: all, none, or a fraction by trace id. */
  root: 'always_on' | 'always_off' | 'traceidratio';
  /** 0..1, for traceidratio. */
  ratio: number;
  /** Follow the caller's sampled flag (traceparent) when there is one. */
  parentBased: boolean;
}

export interface TracingConfig {
  /** False: no SDK is loaded, the API stays no-op (the default: nothing configured). */
  enabled: boolean;
  /** Why tracing is off, for the start-up log. */
  offBecause?: string;
  serviceName: string;
  sampler: SamplerSpec;
  /** Batch span processor: the standard OTEL_BSP_* variables (the SDK does not read them itself). */
  batch: { scheduledDelayMillis: number; maxQueueSize: number; maxExportBatchSize: number; exportTimeoutMillis: number };
}

/**
 * Reads the standard OpenTelemetry variables. Tracing is on only when an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), unless OTEL_SDK_DISABLED=true
 * or OTEL_TRACES_EXPORTER=none. A misspelt sampler fails the start instead of silently tracing
 * everything (the spec's fallback), since 100% sampling has a cost (bench/cluster/README.md).
 */
export function readTracingConfig(env: NodeJS.ProcessEnv, defaultServiceName: string): TracingConfig {
  const samplerName = oneOf<SamplerName>('OTEL_TRACES_SAMPLER', env.OTEL_TRACES_SAMPLER?.trim().toLowerCase(), SAMPLER_NAMES, 'parentbased_always_on');
  const config: TracingConfig = {
    enabled: false,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || defaultServiceName,
    sampler: samplerSpec(samplerName, env.OTEL_TRACES_SAMPLER_ARG),
    batch: {
      scheduledDelayMillis: intFrom(env.OTEL_BSP_SCHEDULE_DELAY, 5000),
      maxQueueSize: intFrom(env.OTEL_BSP_MAX_QUEUE_SIZE, 2048),
      maxExportBatchSize: intFrom(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512),
      exportTimeoutMillis: intFrom(env.OTEL_BSP_EXPORT_TIMEOUT, 30000),
    },
  };
  if (config.batch.maxExportBatchSize > config.batch.maxQueueSize) {
    throw new Error(`OTEL_BSP_MAX_EXPORT_BATCH_SIZE (${config.batch.maxExportBatchSize}) must not exceed OTEL_BSP_MAX_QUEUE_SIZE (${config.batch.maxQueueSize})`);
  }
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { ...config, offBecause: 'OTEL_SDK_DISABLED=true' };
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.length === 0 || exporters.includes('none')) return { ...config, offBecause: 'OTEL_TRACES_EXPORTER=none' };
  const unsupported = exporters.filter((e) => e !== 'otlp');
  if (unsupported.length > 0) throw new Error(`OTEL_TRACES_EXPORTER: only "otlp" (or "none") is supported, got "${unsupported.join(',')}"`);
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return { ...config, offBecause: 'no OTEL_EXPORTER_OTLP_ENDPOINT' };
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (protocol && protocol !== 'http/json') {
    throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL: faceshard exports OTLP as http/json (a collector's port 4318 takes it); got "${protocol}"`);
  }
  return { ...config, enabled: true };
}

function samplerSpec(name: SamplerName, arg: string | undefined): SamplerSpec {
  const parentBased = name.startsWith('parentbased_');
  const root = name.replace('parentbased_', '') as SamplerSpec['root'];
  return { root, parentBased, ratio: root === 'traceidratio' ? ratioFrom(arg) : root === 'always_on' ? 1 : 0 };
}

function ratioFrom(arg: string | undefined): number {
  if (arg === undefined || arg.trim() === '') return 1; // the spec's default
  const ratio = Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a number in 0..1, got "${arg}"`);
  return ratio;
}
