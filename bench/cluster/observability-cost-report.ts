/** Observability cost: the variants compared and their summary. Pure. */
import { percentileSorted } from './latency';
import { formatTable } from './report';

export interface CostVariant {
  name: string;
  /** Environment of every gateway and shard process of that variant's cluster. */
  env: Record<string, string>;
}

/** `endpoint`: where the 100%-sampled variant exports its spans (an OTLP/HTTP receiver). */
export function costVariants(endpoint: string): CostVariant[] {
  return [
    { name: 'metrics off, tracing off', env: { METRICS_ENABLED: 'false' } },
    { name: 'metrics on, tracing off', env: { METRICS_ENABLED: 'true' } },
    {
      name: 'metrics on, tracing 100%',
      env: { METRICS_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_on', OTEL_BSP_MAX_QUEUE_SIZE: '65536', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048', OTEL_BSP_SCHEDULE_DELAY: '1000' },
    },
  ];
}

export interface CostPass {
  variant: string;
  round: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  partial: number;
}

export interface CostSummary {
  variant: string;
  /** Median over the rounds of each round's QPS. */
  medianQps: number;
  qpsPerRound: number[];
  medianP50Ms: number;
  medianP99Ms: number;
  /** medianQps relative to the first variant (1 = as fast; 0.95 = 5% fewer searches per second). */
  vsBaseline: number;
  /** medianQps relative to the variant before it (tracing 100% vs metrics only). */
  vsPrevious: number;
}

export function summariseCost(variants: string[], passes: CostPass[]): CostSummary[] {
  const median = (values: number[]): number => percentileSorted([...values].sort((a, b) => a - b), 50);
  const rows = variants.map((variant) => {
    const mine = passes.filter((p) => p.variant === variant);
    return {
      variant,
      medianQps: median(mine.map((p) => p.qps)),
      qpsPerRound: mine.map((p) => p.qps),
      medianP50Ms: median(mine.map((p) => p.p50Ms)),
      medianP99Ms: median(mine.map((p) => p.p99Ms)),
    };
  });
  return rows.map((row, i) => ({ ...row, vsBaseline: row.medianQps / rows[0]!.medianQps, vsPrevious: i === 0 ? 1 : row.medianQps / rows[i - 1]!.medianQps }));
}

export function costTable(summary: CostSummary[]): string {
  const pct = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
  return formatTable(
    ['variant', 'median QPS', 'QPS per round', 'p50 ms', 'p99 ms', 'vs off', 'vs previous'],
    summary.map((s) => [s.variant, s.medianQps.toFixed(0), s.qpsPerRound.map((q) => q.toFixed(0)).join(' / '), s.medianP50Ms.toFixed(2), s.medianP99Ms.toFixed(2), pct(s.vsBaseline), pct(s.vsPrevious)]),
  );
}
