import { describe, expect, it } from 'vitest';
import { resolveThreshold } from './applied-threshold';
import { testCalibration } from './test-calibration';

const calibration = testCalibration();

describe('resolveThreshold', () => {
  it('uses the calibrated default of the operation and says which FMR it was cut at', () => {
    expect(resolveThreshold(calibration, {}, 'identify', 0.5)).toMatchObject({ threshold: 0.95, source: 'default', farTarget: 1e-4, falseMatchRate: 1e-4 });
    expect(resolveThreshold(calibration, {}, 'verify', 0.5)).toMatchObject({ threshold: 0.93, source: 'default', farTarget: 1e-3 });
  });

  it('turns farTarget into the calibration threshold (interpolated in log FMR between points)', () => {
    expect(resolveThreshold(calibration, { farTarget: 1e-3 }, 'identify', 0.5)).toMatchObject({ threshold: 0.93, source: 'farTarget', falseMatchRate: 1e-3 });
    const mid = resolveThreshold(calibration, { farTarget: 10 ** -3.5 }, 'identify', 0.5);
    expect(mid.threshold).toBeCloseTo(0.94, 6);
  });

  it('answers the FMR an explicit threshold means, or a bound outside the calibrated thresholds', () => {
    expect(resolveThreshold(calibration, { threshold: 0.94 }, 'verify', 0.5)).toMatchObject({ source: 'threshold', falseMatchRate: 0.000316, falseMatchRateIs: 'interpolated' });
    expect(resolveThreshold(calibration, { threshold: 0.99 }, 'verify', 0.5)).toMatchObject({ falseMatchRate: 1e-4, falseMatchRateIs: 'at-most' });
    expect(resolveThreshold(calibration, { threshold: 0.5 }, 'verify', 0.5)).toMatchObject({ falseMatchRate: 1e-2, falseMatchRateIs: 'at-least' });
  });

  it('without a calibration: explicit thresholds and the built-in default work with an unknown rate; farTarget is refused', () => {
    expect(resolveThreshold(undefined, {}, 'identify', 0.42)).toEqual({ threshold: 0.42, source: 'default', falseMatchRate: null });
    expect(resolveThreshold(undefined, { threshold: 0.7 }, 'identify', 0.42)).toEqual({ threshold: 0.7, source: 'threshold', falseMatchRate: null });
    expect(() => resolveThreshold(undefined, { farTarget: 1e-3 }, 'identify', 0.42)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('refuses both at once, rates outside (0, 1), targets outside the calibrated range and thresholds outside [-1, 1]', () => {
    for (const bad of [{ threshold: 0.9, farTarget: 1e-3 }, { farTarget: 0 }, { farTarget: 1 }, { farTarget: 1e-6 }, { farTarget: 0.5 }, { threshold: 1.5 }, { threshold: Number.NaN }]) {
      expect(() => resolveThreshold(calibration, bad, 'identify', 0.5), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});
