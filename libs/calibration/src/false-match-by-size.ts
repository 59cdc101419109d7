/**
 * The chance that a stranger's photo matches at least one of `comparisons` enrolled faces when
 * each comparison falsely matches with probability `fmr`: 1 - (1 - fmr)^N, computed as
 * -expm1(N · log1p(-fmr)) so that tiny rates do not vanish in rounding.
 *
 * It treats the N comparisons as independent. Real impostor scores of one probe are correlated
 * (some faces look like many people), which spreads the risk unevenly over probes; since
 * 1 - (1 - x)^N is concave in x, the average over probes is at most the formula at the average
 * rate (Jensen), so the formula is an upper estimate. GET /v1/models/:id prints it beside the
 * FPIR measured on LFW galleries for comparison.
 */
export function expectedFalseMatchProbability(fmr: number, comparisons: number): number {
  if (!(fmr >= 0 && fmr <= 1)) throw new Error(`fmr must be within [0, 1], got ${fmr}`);
  if (!(comparisons >= 0) || !Number.isFinite(comparisons)) throw new Error(`comparisons must be a finite number >= 0, got ${comparisons}`);
  if (fmr === 1) return comparisons > 0 ? 1 : 0;
  return -Math.expm1(comparisons * Math.log1p(-fmr));
}

/** The per-comparison FMR that keeps the 1:N false-match probability at `target` for N comparisons (the formula inverted). */
export function fmrForFalseMatchProbability(target: number, comparisons: number): number {
  if (!(target >= 0 && target < 1)) throw new Error(`target must be within [0, 1), got ${target}`);
  if (!(comparisons >= 1)) throw new Error(`comparisons must be >= 1, got ${comparisons}`);
  return -Math.expm1(Math.log1p(-target) / comparisons);
}
