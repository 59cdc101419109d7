import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounterFamily, HotHistogramFamily } from './hot-metrics';
import { parsePrometheusText } from './prometheus-text';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const sorted = (text: string) => parsePrometheusText(text).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('hot metric families', () => {
  it("render exactly what prom-client's own Counter and Histogram render for the same observations (property)", async () => {
    const observation = fc.record({ route: fc.constantFrom('/a', '/b/:id'), status: fc.constantFrom('200', '404'), seconds: fc.double({ min: 0, max: 3, noNaN: true }) });
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 60 }), async (observations) => {
        const ours = new Registry();
        const theirs = new Registry();
        const hotCount = new HotCounterFamily('x_total', 'help', ['route', 'status']);
        const hotDuration = new HotHistogramFamily('x_seconds', 'help', ['route', 'status'], BUCKETS);
        ours.registerMetric(hotCount as never);
        ours.registerMetric(hotDuration as never);
        const count = new Counter({ name: 'x_total', help: 'help', labelNames: ['route', 'status'], registers: [theirs] });
        const duration = new Histogram({ name: 'x_seconds', help: 'help', labelNames: ['route', 'status'], buckets: BUCKETS, registers: [theirs] });
        for (const { route, status, seconds } of observations) {
          hotCount.child(route, status).inc();
          hotDuration.child(route, status).observe(seconds);
          count.inc({ route, status });
          duration.observe({ route, status }, seconds);
        }
        const mine = sorted(await ours.metrics());
        const reference = sorted(await theirs.metrics());
        expect(mine.map((s) => ({ ...s, value: Number(s.value.toPrecision(12)) }))).toEqual(reference.map((s) => ({ ...s, value: Number(s.value.toPrecision(12)) })));
      }),
      { numRuns: 50 },
    );
  });

  it('hands out one child per label set', () => {
    const family = new HotCounterFamily('y_total', 'help', ['a']);
    expect(family.child('1')).toBe(family.child('1'));
    expect(family.child('1')).not.toBe(family.child('2'));
  });
});
