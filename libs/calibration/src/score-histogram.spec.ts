import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScoreHistogram } from './score-histogram';

const scores = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 400 });
const rate = fc.double({ min: 0, max: 1, noNaN: true });

describe('ScoreHistogram.thresholdForRate', () => {
  it('lets at most rate·total scores through (counted directly), and one bin lower would let more through', () => {
    fc.assert(
      fc.property(scores, rate, fc.integer({ min: 2, max: 4096 }), (values, r, bins) => {
        const h = new ScoreHistogram(bins);
        for (const v of values) h.add(v);
        const { threshold, countAbove } = h.thresholdForRate(r);
        const allowed = Math.floor(r * values.length);
        // The threshold is the lower edge of bin `first` (bins = nothing at all passes).
        const first = Math.round(((threshold + 1) / 2) * bins);
        const through = first >= bins ? 0 : values.filter((v) => h.binOf(v) >= first).length;
        expect(countAbove).toBeLessThanOrEqual(allowed);
        if (threshold > -1) {
          expect(through).toBe(countAbove);
          expect(countAbove + h.counts[first - 1]!).toBeGreaterThan(allowed);
        } else expect(countAbove).toBe(values.length);
      }),
    );
  });

  it('resolves a threshold to one bin: the top 1% of 10,000 evenly spread scores starts at 0.98', () => {
    const h = new ScoreHistogram(1 << 16);
    for (let i = 0; i < 10_000; i++) h.add(-1 + (2 * (i + 0.5)) / 10_000);
    const { threshold, countAbove } = h.thresholdForRate(0.01);
    expect(countAbove).toBe(100);
    expect(threshold).toBeCloseTo(0.98, 3);
  });

  it('merges histograms of the same shape and refuses others', () => {
    const a = new ScoreHistogram(8);
    const b = new ScoreHistogram(8);
    a.add(0.5);
    b.add(-0.5, 3);
    a.merge(b);
    expect(a.total).toBe(4);
    expect(a.countFromBin(0)).toBe(4);
    expect(() => a.merge(new ScoreHistogram(16))).toThrow();
  });
});
