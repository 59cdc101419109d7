/**
 * Comparing two ef ladders at equal recall. Pure.
 *
 * Two HNSW implementations do not reach the same recall at the same ef (pgvector's ef_search
 * and hnswlib's ef differ in detail), so "faceshard ÷ pgvector" is taken where both reach the
 * same recall@k, two ways:
 * - smallest ef: each side's first ladder point (by ef) whose recall reaches the target, as
 *   measured; conservative for the side whose point overshoots the target the most;
 * - interpolated: each side's QPS at exactly the target recall, between the last point below it
 *   and the first at or above it, linear in recall and in log(QPS) (QPS falls about
 *   geometrically as ef doubles).
 */

export interface RecallSpeedPoint {
  ef: number;
  recall: number;
  qps: number;
}

export interface AtRecall<T extends RecallSpeedPoint> {
  /** The first ladder point (by ef) reaching the target: its QPS is the "smallest ef" figure. */
  reaching: T;
  /** QPS at exactly the target recall; equal to reaching.qps when no point below it brackets the target. */
  interpolatedQps: number;
  /**
   * false when the ladder's smallest ef already reaches the target: the interpolated figure is
   * then that point's own QPS, a lower bound of what the system does at the target.
   */
  bracketed: boolean;
}

/** Where a ladder reaches `target` recall; null when no point of it does. */
export function atRecall<T extends RecallSpeedPoint>(ladder: readonly T[], target: number): AtRecall<T> | null {
  const byEf = [...ladder].sort((a, b) => a.ef - b.ef);
  const i = byEf.findIndex((p) => p.recall >= target);
  if (i < 0) return null;
  const reaching = byEf[i]!;
  const below = i > 0 ? byEf[i - 1]! : null;
  if (!below) return { reaching, interpolatedQps: reaching.qps, bracketed: false };
  if (reaching.recall === target) return { reaching, interpolatedQps: reaching.qps, bracketed: true };
  const t = (target - below.recall) / (reaching.recall - below.recall);
  const interpolatedQps = Math.exp(Math.log(below.qps) + t * (Math.log(reaching.qps) - Math.log(below.qps)));
  return { reaching, interpolatedQps, bracketed: true };
}

export interface EqualRecallRow<T extends RecallSpeedPoint> {
  target: number;
  baseline: AtRecall<T> | null;
  candidate: AtRecall<T> | null;
  /** candidate ÷ baseline QPS, each at its smallest ef reaching the target; NaN when either misses it. */
  smallestEfRatio: number;
  /** candidate ÷ baseline QPS, each interpolated to the target; NaN when either misses it. */
  interpolatedRatio: number;
}

/** candidate ÷ baseline at each target recall. */
export function equalRecallRows<T extends RecallSpeedPoint>(candidate: readonly T[], baseline: readonly T[], targets: readonly number[]): EqualRecallRow<T>[] {
  return targets.map((target) => {
    const c = atRecall(candidate, target);
    const b = atRecall(baseline, target);
    return {
      target,
      baseline: b,
      candidate: c,
      smallestEfRatio: c && b ? c.reaching.qps / b.reaching.qps : NaN,
      interpolatedRatio: c && b ? c.interpolatedQps / b.interpolatedQps : NaN,
    };
  });
}
