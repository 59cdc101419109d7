import { FaceshardError } from '@faceshard/contracts';
import type { ModelCalibration } from './calibration-types';
import { fmrAtThreshold, thresholdForFarTarget, type FmrAtThreshold } from './fmr-curve';

export type MatchOperation = 'identify' | 'verify';

/** The threshold a request was answered with, where it came from, and the false-match rate it means. */
export interface AppliedThreshold {
  threshold: number;
  /** 'farTarget' = the request's, 'threshold' = the request's, 'default' = the model's calibrated default for the operation. */
  source: 'farTarget' | 'threshold' | 'default';
  /** The FMR target the threshold was cut at (farTarget or default); absent for an explicit threshold. */
  farTarget?: number;
  /** False-match rate per comparison at the threshold, from the calibration; null when the model has none. */
  falseMatchRate: number | null;
  /** 'interpolated' between calibration points, or only a bound outside them. */
  falseMatchRateIs?: FmrAtThreshold['bound'];
}

/**
 * threshold or farTarget (never both), else the model's default. Without a calibration only
 * explicit thresholds and the recognizer's built-in default work, and the rate is unknown (null).
 */
export function resolveThreshold(
  calibration: ModelCalibration | undefined,
  request: { threshold?: number; farTarget?: number },
  operation: MatchOperation,
  uncalibratedDefault: number,
): AppliedThreshold {
  const { threshold, farTarget } = request;
  if (threshold !== undefined && farTarget !== undefined) {
    throw new FaceshardError('VALIDATION_FAILED', 'give threshold or farTarget, not both');
  }
  if (threshold !== undefined) {
    if (!(threshold >= -1 && threshold <= 1)) throw new FaceshardError('VALIDATION_FAILED', `threshold is a cosine similarity within [-1, 1], got ${threshold}`, { field: 'threshold' });
    if (!calibration) return { threshold, source: 'threshold', falseMatchRate: null };
    const at = fmrAtThreshold(calibration.points, threshold);
    return { threshold, source: 'threshold', falseMatchRate: roundRate(at.fmr), falseMatchRateIs: at.bound };
  }
  if (farTarget !== undefined) {
    if (!(farTarget > 0 && farTarget < 1)) throw new FaceshardError('VALIDATION_FAILED', `farTarget is a false-match rate within (0, 1), e.g. 1e-5; got ${farTarget}`, { field: 'farTarget' });
    if (!calibration) {
      throw new FaceshardError('VALIDATION_FAILED', 'this model has no calibration (see GET /v1/models/:id): give a threshold instead of farTarget', { field: 'farTarget' });
    }
    return { threshold: roundThreshold(thresholdForFarTarget(calibration.points, farTarget)), source: 'farTarget', farTarget, falseMatchRate: farTarget, falseMatchRateIs: 'interpolated' };
  }
  if (!calibration) return { threshold: uncalibratedDefault, source: 'default', falseMatchRate: null };
  const chosen = calibration.defaults[operation];
  return { threshold: chosen.threshold, source: 'default', farTarget: chosen.farTarget, falseMatchRate: chosen.farTarget, falseMatchRateIs: 'interpolated' };
}

function roundThreshold(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}

function roundRate(r: number): number {
  return Number(r.toPrecision(3));
}
