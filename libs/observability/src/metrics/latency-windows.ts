export interface LatencyWindowsOptions {
  /** The recent window: requests that ended at most this long ago. */
  recentMs: number;
  /** How many of the latest quiet requests make the baseline. */
  baselineSamples: number;
}

export const DEFAULT_LATENCY_WINDOWS: LatencyWindowsOptions = { recentMs: 1000, baselineSamples: 1024 };

/**
 * Request latencies in two windows: every request of the last `recentMs`, and the latest
 * `baselineSamples` of those the caller marked quiet (e.g. searches while no move runs). Their
 * p99s side by side say how much slower requests are now than usual (rebalance latency pacing).
 * O(1) per request; the p99s are computed when asked.
 */
export class LatencyWindows {
  /** The recent window from `recentHead` on (older entries are dropped in bulk). */
  private recent: { at: number; ms: number }[] = [];
  private recentHead = 0;
  private readonly baseline: number[] = [];
  private baselineNext = 0;

  constructor(
    private readonly options: LatencyWindowsOptions = DEFAULT_LATENCY_WINDOWS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A request that took `ms` just ended; `quiet`: it counts toward the baseline too. */
  record(ms: number, quiet: boolean): void {
    const at = this.now();
    this.recent.push({ at, ms });
    this.dropOld(at);
    if (!quiet) return;
    if (this.baseline.length < this.options.baselineSamples) this.baseline.push(ms);
    else this.baseline[this.baselineNext] = ms;
    this.baselineNext = (this.baselineNext + 1) % this.options.baselineSamples;
  }

  /** p99 of the recent window and of the baseline with their sample counts; undefined while either is empty. */
  report(): { recentP99Ms: number; recentSamples: number; baselineP99Ms: number; baselineSamples: number } | undefined {
    this.dropOld(this.now());
    const recentSamples = this.recent.length - this.recentHead;
    if (recentSamples === 0 || this.baseline.length === 0) return undefined;
    const recent = new Float64Array(recentSamples);
    for (let i = 0; i < recentSamples; i++) recent[i] = this.recent[this.recentHead + i].ms;
    return { recentP99Ms: p99(recent), recentSamples, baselineP99Ms: p99(Float64Array.from(this.baseline)), baselineSamples: this.baseline.length };
  }

  private dropOld(now: number): void {
    while (this.recentHead < this.recent.length && now - this.recent[this.recentHead].at > this.options.recentMs) this.recentHead++;
    if (this.recentHead > 1024 && this.recentHead * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.recentHead);
      this.recentHead = 0;
    }
  }
}

/** Nearest-rank p99 (sorts `values` in place). */
function p99(values: Float64Array): number {
  values.sort();
  return values[Math.min(values.length - 1, Math.ceil(0.99 * values.length) - 1)];
}
