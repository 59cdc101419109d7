/**
 * Counts of cosine similarities in fixed bins over [-1, 1]: millions of impostor scores in a few
 * MB, with thresholds resolved to one bin (2 / bins; 2^21 bins ≈ 1e-6, finer than any figure
 * is rounded to).
 */
export class ScoreHistogram {
  readonly counts: Float64Array;
  total = 0;

  constructor(readonly bins: number = 1 << 21) {
    if (!Number.isInteger(bins) || bins < 2) throw new Error('bins must be an integer >= 2');
    this.counts = new Float64Array(bins);
  }

  binOf(score: number): number {
    const i = Math.floor(((score + 1) / 2) * this.bins);
    return i < 0 ? 0 : i >= this.bins ? this.bins - 1 : i;
  }

  /** Lower edge of bin i; bin i holds scores in [edge(i), edge(i + 1)). */
  edge(i: number): number {
    return -1 + (2 * i) / this.bins;
  }

  add(score: number, count = 1): void {
    this.counts[this.binOf(score)] += count;
    this.total += count;
  }

  merge(other: ScoreHistogram): void {
    if (other.bins !== this.bins) throw new Error('histograms of different bin counts');
    for (let i = 0; i < this.bins; i++) this.counts[i] += other.counts[i]!;
    this.total += other.total;
  }

  /** Scores >= edge(i) (whole bins from i up). */
  countFromBin(i: number): number {
    let n = 0;
    for (let b = Math.max(0, i); b < this.bins; b++) n += this.counts[b]!;
    return n;
  }

  /**
   * The lowest bin edge t with #{score >= t} <= rate · total: accepting scores >= t lets at most
   * that share through, and one bin lower would let more through.
   */
  thresholdForRate(rate: number): { threshold: number; countAbove: number } {
    if (!(rate >= 0 && rate <= 1)) throw new Error('rate must be within [0, 1]');
    const allowed = Math.floor(rate * this.total);
    let above = 0;
    for (let i = this.bins - 1; i >= 0; i--) {
      const c = this.counts[i]!;
      if (above + c > allowed) return { threshold: this.edge(i + 1), countAbove: above };
      above += c;
    }
    return { threshold: -1, countAbove: above };
  }
}
