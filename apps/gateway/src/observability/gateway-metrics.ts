import {
  NO_CACHE_METRICS,
  NO_FAN_OUT_METRICS,
  NO_INFERENCE_METRICS,
  type CacheMetricsSink,
  type FanOutMetricsSink,
  type FaceshardMetrics,
  type InferenceMetricsSink,
  type Observability,
  type PoolGaugeSource,
} from '@faceshard/observability';

/** Injection token of the gateway's metric sinks (no-op ones when metrics are off). */
export const GATEWAY_METRICS = Symbol('GATEWAY_METRICS');
/** Injection token of the process's Observability (logger, registry, /metrics settings). */
export const OBSERVABILITY = Symbol('OBSERVABILITY');

export interface GatewayMetrics {
  fanOut: FanOutMetricsSink;
  cache: CacheMetricsSink;
  inference(pool: PoolGaugeSource): InferenceMetricsSink;
}

/** Metrics off (and services built by hand in unit tests). */
export const NO_GATEWAY_METRICS: GatewayMetrics = { fanOut: NO_FAN_OUT_METRICS, cache: NO_CACHE_METRICS, inference: () => NO_INFERENCE_METRICS };

export function gatewayMetricsOf(observability: Observability | undefined): GatewayMetrics {
  const metrics: FaceshardMetrics | undefined = observability?.metrics;
  if (!metrics) return NO_GATEWAY_METRICS;
  return { fanOut: metrics.fanOut(), cache: metrics.cache(), inference: (pool) => metrics.inference(pool) };
}
