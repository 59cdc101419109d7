import { expectedFalseMatchProbability, type AppliedThreshold } from '@faceshard/calibration';

/** What every match answer says about its threshold: the value, where it came from, the false-match rate it means. */
export function thresholdFields(applied: AppliedThreshold) {
  return {
    threshold: applied.threshold,
    thresholdSource: applied.source,
    ...(applied.farTarget !== undefined ? { farTarget: applied.farTarget } : {}),
    /** Per comparison; null when the model has no calibration. */
    falseMatchRate: applied.falseMatchRate,
    ...(applied.falseMatchRateIs !== undefined ? { falseMatchRateIs: applied.falseMatchRateIs } : {}),
  };
}

/**
 * The chance that a stranger passes the threshold against at least one of `comparisons` faces
 * (1 - (1 - FMR)^N; see libs/calibration/false-match-by-size.ts), or null without a calibration.
 */
export function falseMatchProbability(applied: AppliedThreshold, comparisons: number): number | null {
  if (applied.falseMatchRate === null) return null;
  return Number(expectedFalseMatchProbability(applied.falseMatchRate, comparisons).toPrecision(3));
}
