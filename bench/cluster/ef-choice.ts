/** Picking the operating point of the ef ladder. Pure. */
export interface EfPoint {
  ef: number;
  recall: number;
}

/**
 * The smallest ef whose recall reaches the target; when none does, the ef with the best recall
 * (the smallest such), flagged as missing the target so that the report says so.
 */
export function chooseEf<T extends EfPoint>(ladder: T[], targetRecall: number): { point: T; reachedTarget: boolean } {
  if (ladder.length === 0) throw new Error('empty ef ladder');
  const byEf = [...ladder].sort((a, b) => a.ef - b.ef);
  const reaching = byEf.find((p) => p.recall >= targetRecall);
  if (reaching) return { point: reaching, reachedTarget: true };
  const best = byEf.reduce((a, b) => (b.recall > a.recall ? b : a));
  return { point: best, reachedTarget: false };
}
