import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CalibrationPoint } from './calibration-types';
import { CALIBRATION_FMRS, calibrationPoints, fmrAtThreshold, thresholdForFarTarget } from './fmr-curve';
import { ScoreHistogram } from './score-histogram';

/** A curve as calibrationPoints makes them: FMR falling, thresholds rising. */
const curve = fc
  .array(fc.double({ min: 0.0001, max: 0.05, noNaN: true }), { minLength: 2, maxLength: 12 })
  .chain((steps) => fc.double({ min: -0.5, max: 0.5, noNaN: true }).map((start) => ({ steps, start })))
  .map(({ steps, start }): CalibrationPoint[] => {
    let t = start;
    return steps.map((step, i) => {
      t += step;
      const fmr = 10 ** (-1 - i * 0.5);
      return { fmr, threshold: t, measuredFmr: fmr, impostorsAbove: 0, tmr: 1 - i / 20 };
    });
  });

describe('thresholdForFarTarget / fmrAtThreshold', () => {
  it('is exact at every calibration point', () => {
    fc.assert(
      fc.property(curve, (points) => {
        for (const p of points) {
          expect(thresholdForFarTarget(points, p.fmr)).toBeCloseTo(p.threshold, 12);
          expect(fmrAtThreshold(points, p.threshold).fmr / p.fmr).toBeCloseTo(1, 9);
        }
      }),
    );
  });

  it('a smaller farTarget never gives a lower threshold, and the two functions invert each other', () => {
    fc.assert(
      fc.property(curve, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (points, u, v) => {
        const hi = points[0]!.fmr;
        const lo = points[points.length - 1]!.fmr;
        const at = (x: number) => 10 ** (Math.log10(lo) + x * (Math.log10(hi) - Math.log10(lo)));
        const [a, b] = [at(Math.min(u, v)), at(Math.max(u, v))];
        expect(thresholdForFarTarget(points, a)).toBeGreaterThanOrEqual(thresholdForFarTarget(points, b));
        const back = fmrAtThreshold(points, thresholdForFarTarget(points, a));
        expect(back.bound).toBe('interpolated');
        expect(back.fmr / a).toBeCloseTo(1, 6);
      }),
    );
  });

  it('refuses targets outside the calibrated range, and calls thresholds outside it bounds', () => {
    const points = calibrationPoints({ impostors: spread(100_000), genuine: Float64Array.from([0.9, 0.95, 0.99]) }, [1e-2, 1e-3]);
    expect(() => thresholdForFarTarget(points, 1e-4)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => thresholdForFarTarget(points, 0.5)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(fmrAtThreshold(points, 0.9999)).toEqual({ fmr: 1e-3, bound: 'at-most' });
    expect(fmrAtThreshold(points, -0.5)).toEqual({ fmr: 1e-2, bound: 'at-least' });
  });
});

describe('calibrationPoints', () => {
  it('cuts each target where the measured rate is at or under it, with the TMR of the genuine pairs there', () => {
    const points = calibrationPoints({ impostors: spread(1_000_000), genuine: Float64Array.from([0.97, 0.98, 0.99, 0.999]) });
    expect(points.map((p) => p.fmr)).toEqual([...CALIBRATION_FMRS].sort((a, b) => b - a));
    for (const p of points) {
      expect(p.measuredFmr).toBeLessThanOrEqual(p.fmr);
      // Whole scores only: at most one score short of the target.
      expect(p.measuredFmr).toBeGreaterThan(p.fmr - 1 / 1_000_000);
    }
    // Evenly spread scores over [-1, 1]: the top 1% starts at 0.98.
    expect(points.find((p) => p.fmr === 0.01)!.threshold).toBeCloseTo(0.98, 4);
    expect(points.find((p) => p.fmr === 0.01)!.tmr).toBe(0.75);
  });
});

function spread(n: number): ScoreHistogram {
  const h = new ScoreHistogram();
  for (let i = 0; i < n; i++) h.add(-1 + (2 * (i + 0.5)) / n);
  return h;
}
