import { describe, expect, it } from 'vitest';
import { costTable, costVariants, summariseCost, type CostPass } from '../../bench/cluster/observability-cost-report';
import { parseBenchOptions } from '../../bench/cluster/options';

const pass = (variant: string, round: number, qps: number): CostPass => ({ variant, round, qps, p50Ms: 1000 / qps, p99Ms: 3000 / qps, partial: 0 });

describe('observability cost report', () => {
  it('compares three variants: metrics off, metrics on, metrics on + tracing sampled at 100% to the given endpoint', () => {
    const variants = costVariants('http://127.0.0.1:4318');
    expect(variants.map((v) => v.name)).toEqual(['metrics off, tracing off', 'metrics on, tracing off', 'metrics on, tracing 100%']);
    expect(variants[0]!.env).toEqual({ METRICS_ENABLED: 'false' });
    expect(variants[1]!.env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(variants[2]!.env).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER: 'always_on' });
  });

  it('takes the median round per variant and states each against the first and the previous variant', () => {
    const names = ['off', 'metrics', 'tracing'];
    const passes = [pass('off', 1, 1000), pass('metrics', 1, 950), pass('tracing', 1, 700), pass('off', 2, 1100), pass('metrics', 2, 990), pass('tracing', 2, 800), pass('off', 3, 900), pass('metrics', 3, 10), pass('tracing', 3, 760)];
    const summary = summariseCost(names, passes);
    expect(summary.map((s) => s.medianQps)).toEqual([1000, 950, 760]); // one bad round does not move the median
    expect(summary[0]!.vsBaseline).toBe(1);
    expect(summary[1]!.vsBaseline).toBeCloseTo(0.95);
    expect(summary[2]!.vsPrevious).toBeCloseTo(0.8);
    expect(summary[2]!.qpsPerRound).toEqual([700, 800, 760]);
    const table = costTable(summary);
    expect(table).toContain('-5.0%');
    expect(table).toContain('-20.0%');
  });

  it('is asked for with --observability-cost and --observability-rounds', () => {
    const opts = parseBenchOptions(['--observability-cost', '--observability-rounds', '5']);
    expect(opts).toMatchObject({ observabilityCost: true, observabilityRounds: 5 });
    expect(parseBenchOptions([])).toMatchObject({ observabilityCost: false, observabilityRounds: 3 });
    expect(() => parseBenchOptions(['--observability-rounds', '0'])).toThrow(/positive integer/);
  });
});
