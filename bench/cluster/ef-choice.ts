/** Picking the operating point of the ef ladder. Pure. */
export interface EfPoint {
  ef: number;
  recall: number;
  rank1?: number;
}

/**
 * What the chosen ef must reach: a recall@k, or a rank-1 (a big run asks for exact search's
 * rank-1 minus a gap: rank-1 is what identification needs, and it gets there at a smaller ef
 * than a high recall@10). A bare number is a recall.
 */
export type EfTarget = number | { rank1: number };

/** The point's value of the target's metric. */
export function targetMetric(point: EfPoint, target: EfTarget): number {
  return typeof target === 'number' ? point.recall : (point.rank1 ?? NaN);
}

/** Rank-1 and recall are shares of 2,000-odd probes: a target computed as exact - gap must not miss by a float rounding. */
const ROUNDING = 1e-9;

export function reachesTarget(point: EfPoint, target: EfTarget): boolean {
  return targetMetric(point, target) >= (typeof target === 'number' ? target : target.rank1) - ROUNDING;
}

export function describeTarget(target: EfTarget, k: number): string {
  return typeof target === 'number' ? `recall@${k} ${target}` : `rank-1 ${target.rank1.toFixed(3)}`;
}

/**
 * The smallest ef that reaches the target; when none does, the ef with the best value of the
 * target's metric (the smallest such), flagged as missing the target so that the report says so.
 */
export function chooseEf<T extends EfPoint>(ladder: T[], target: EfTarget): { point: T; reachedTarget: boolean } {
  if (ladder.length === 0) throw new Error('empty ef ladder');
  const byEf = [...ladder].sort((a, b) => a.ef - b.ef);
  const reaching = byEf.find((p) => reachesTarget(p, target));
  if (reaching) return { point: reaching, reachedTarget: true };
  const best = byEf.reduce((a, b) => (targetMetric(b, target) > targetMetric(a, target) ? b : a));
  return { point: best, reachedTarget: false };
}
