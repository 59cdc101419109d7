import type { SearchLatencyReport } from '@faceshard/contracts';

/** Ops whose time is a search's time on this shard. */
const SEARCH_OPS: ReadonlySet<string> = new Set(['search', 'searchMany']);
/** Ops that are a move working on this shard: the source's export, the receiver's apply. */
const MOVE_OPS: ReadonlySet<string> = new Set(['exportChunk', 'applyVersioned']);

export interface SearchLatencyMonitorOptions {
  /** The recent window a move's coordinator is told about (its pacing holds a back-off this long). */
  recentMs: number;
  /** A search counts toward the baseline if no move worked on this shard for this long before it started. */
  quietAfterMs: number;
  /** How many of the latest quiet searches make the baseline. */
  baselineSamples: number;
}

export const DEFAULT_SEARCH_LATENCY_MONITOR: SearchLatencyMonitorOptions = { recentMs: 1000, quietAfterMs: 1000, baselineSamples: 1024 };

/**
 * What the searches of this shard cost with and without a move, for the coordinator's latency
 * pacing (libs/rebalance latency-pacing.ts): every search's time from admission to answer (the
 * wait for a slot included, as the gateway sees it) goes into a window of the last `recentMs`;
 * those that ran while no move had worked here for `quietAfterMs` also into the baseline, the
 * latest `baselineSamples` of them. The baseline is this shard's own, learnt continuously, so a
 * coordinator that resumes a move after a crash finds it as it was before the move.
 * A move's requests (export, apply) answer with `report()` attached.
 */
export class SearchLatencyMonitor {
  /** Searches of the recent window from `recentHead` on (older entries are dropped in bulk: O(1) per search). */
  private recent: { at: number; ms: number }[] = [];
  private recentHead = 0;
  private readonly baseline: number[] = [];
  private baselineNext = 0;
  private moveWorkRunning = 0;
  private lastMoveWorkAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: SearchLatencyMonitorOptions = DEFAULT_SEARCH_LATENCY_MONITOR,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs a request's work, measuring it if it is a search and reporting the latency if it is a move's. */
  observe<T>(op: string, work: () => Promise<T>): Promise<T> {
    if (SEARCH_OPS.has(op)) {
      const started = this.now();
      const quiet = this.quietAt(started);
      return work().then((result) => {
        this.searched(this.now() - started, quiet);
        return result;
      });
    }
    if (!MOVE_OPS.has(op)) return work();
    this.moveWorkRunning++;
    const ended = () => {
      this.moveWorkRunning--;
      this.lastMoveWorkAt = this.now();
    };
    return work().then(
      (result) => {
        ended();
        const report = this.report();
        return (report && result && typeof result === 'object' ? { ...result, searchLatency: report } : result) as T;
      },
      (error: unknown) => {
        ended();
        throw error;
      },
    );
  }

  /** A search took `ms`; `quiet`: no move worked on this shard around its start. */
  searched(ms: number, quiet: boolean): void {
    const at = this.now();
    this.recent.push({ at, ms });
    this.dropOld(at);
    if (!quiet) return;
    if (this.baseline.length < this.options.baselineSamples) this.baseline.push(ms);
    else this.baseline[this.baselineNext] = ms;
    this.baselineNext = (this.baselineNext + 1) % this.options.baselineSamples;
  }

  quietAt(at: number): boolean {
    return this.moveWorkRunning === 0 && at - this.lastMoveWorkAt >= this.options.quietAfterMs;
  }

  /** p99 of the recent window and of the baseline; undefined while this shard has no searches in either. */
  report(): SearchLatencyReport | undefined {
    this.dropOld(this.now());
    const recent = this.recent.length - this.recentHead;
    if (recent === 0 || this.baseline.length === 0) return undefined;
    const times: number[] = [];
    for (let i = this.recentHead; i < this.recent.length; i++) times.push(this.recent[i].ms);
    return {
      recentP99Ms: p99(times),
      recentSamples: recent,
      baselineP99Ms: p99(this.baseline),
      baselineSamples: this.baseline.length,
    };
  }

  private dropOld(now: number): void {
    while (this.recentHead < this.recent.length && now - this.recent[this.recentHead].at > this.options.recentMs) this.recentHead++;
    if (this.recentHead > 1024 && this.recentHead * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.recentHead);
      this.recentHead = 0;
    }
  }
}

/** Nearest-rank p99. */
function p99(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}
