import { FaceshardError } from '@faceshard/contracts';
import type { CalibrationPoint } from './calibration-types';
import { shareAtOrAbove, type PairScores } from './pair-scores';

/** 1e-1 down to 1e-6 in quarter decades: dense enough that interpolating between points is close to measuring. */
export const CALIBRATION_FMRS: readonly number[] = Array.from({ length: 21 }, (_, k) => Number((10 ** (-(4 + k) / 4)).toPrecision(6)));

/** The operating points of a model from its pair scores: threshold, measured FMR and TMR per target. */
export function calibrationPoints(scores: PairScores, fmrs: readonly number[] = CALIBRATION_FMRS): CalibrationPoint[] {
  return [...fmrs]
    .sort((a, b) => b - a)
    .map((fmr) => {
      const { threshold, countAbove } = scores.impostors.thresholdForRate(fmr);
      return {
        fmr,
        threshold: round(threshold, 6),
        measuredFmr: countAbove / scores.impostors.total,
        impostorsAbove: countAbove,
        tmr: shareAtOrAbove(scores.genuine, threshold),
      };
    });
}

/**
 * The threshold for a false-match-rate target: linear in log10(FMR) between the two calibration
 * points around it (exact at a point). Targets outside the calibrated range are refused rather
 * than extrapolated: below the smallest FMR the impostor set holds too few pairs to say.
 */
export function thresholdForFarTarget(points: readonly CalibrationPoint[], farTarget: number): number {
  const { max, min } = fmrRange(points);
  if (!(farTarget >= min && farTarget <= max)) {
    throw new FaceshardError('VALIDATION_FAILED', `farTarget must be within the calibrated range ${min}..${max}, got ${farTarget}`, { min, max });
  }
  const x = Math.log10(farTarget);
  for (let i = 0; i + 1 < points.length; i++) {
    const hi = points[i]!;
    const lo = points[i + 1]!;
    if (farTarget <= hi.fmr && farTarget >= lo.fmr) {
      const x0 = Math.log10(hi.fmr);
      const x1 = Math.log10(lo.fmr);
      const f = x0 === x1 ? 0 : (x - x0) / (x1 - x0);
      return hi.threshold + f * (lo.threshold - hi.threshold);
    }
  }
  return points[0]!.threshold;
}

/** The false-match rate a threshold gives, and whether it is interpolated or only a bound (outside the calibrated thresholds). */
export interface FmrAtThreshold {
  fmr: number;
  bound: 'interpolated' | 'at-most' | 'at-least';
}

/** Inverse of thresholdForFarTarget: log10(FMR) linear between the points whose thresholds bracket t. */
export function fmrAtThreshold(points: readonly CalibrationPoint[], threshold: number): FmrAtThreshold {
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (threshold > last.threshold) return { fmr: last.fmr, bound: 'at-most' };
  if (threshold < first.threshold) return { fmr: first.fmr, bound: 'at-least' };
  for (let i = 0; i + 1 < points.length; i++) {
    const hi = points[i]!;
    const lo = points[i + 1]!;
    if (threshold >= hi.threshold && threshold <= lo.threshold) {
      if (lo.threshold === hi.threshold) return { fmr: lo.fmr, bound: 'interpolated' };
      const f = (threshold - hi.threshold) / (lo.threshold - hi.threshold);
      return { fmr: 10 ** (Math.log10(hi.fmr) + f * (Math.log10(lo.fmr) - Math.log10(hi.fmr))), bound: 'interpolated' };
    }
  }
  return { fmr: last.fmr, bound: 'at-most' };
}

export function fmrRange(points: readonly CalibrationPoint[]): { max: number; min: number } {
  return { max: points[0]!.fmr, min: points[points.length - 1]!.fmr };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
