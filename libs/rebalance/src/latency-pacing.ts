import type { SearchLatencyReport } from '@faceshard/contracts';

/**
 * Latency-aware pacing of a move (AIMD): the coordinator looks at how slow live searches have
 * become against searches without a move (every gateway reports its own over its last 2 s,
 * apps/gateway SearchLatencyReporter), and sets the move's pace from that, once every `holdMs`:
 * while every gateway's recent search p99 stays within `maxP99Factor` × its baseline the pace
 * grows by `increasePerSecond` for every second since the last decision (additive); when one goes
 * over, the pace drops to `backOff` × what the move actually achieved (multiplicative). Deciding
 * once per window, not after every chunk: a window's p99 is a noisy estimate, and looking at a
 * sliding one after every chunk backs off on its highest excursions (the join's searches at 1.4x
 * their p99 overall had windows at 2x whatever the pace: bench/rebalance/README.md).
 *
 * Why not a fixed cap: on 2 cores a join (one receiver inserting into a fresh graph, its sources
 * serving the searches) and the leave of a member that joined (receivers reviving their own
 * deleted nodes, ~7x faster) need caps an order of magnitude apart (bench/rebalance/README.md).
 *
 * Pure: the gateways measure, the coordinator passes what they reported, this decides.
 */
export interface LatencyPacingConfig {
  /** Search p99 during the move may be at most this × the p99 without one; 0: off (no latency pacing). */
  maxP99Factor: number;
  /** Pace of a source's first chunk, identities per second. */
  startIdsPerSecond: number;
  /** The pace never goes below this (a move must end even under a latency it cannot fix). */
  minIdsPerSecond: number;
  /** Identities per second added to the pace per second in which the latency stayed within the factor. */
  increasePerSecond: number;
  /** On a latency over the factor the pace becomes this × the achieved rate, in (0, 1). */
  backOff: number;
  /** The time between two decisions (and before the first): the pace holds meanwhile. */
  holdMs: number;
}

export const DEFAULT_LATENCY_PACING: LatencyPacingConfig = {
  maxP99Factor: 0,
  startIdsPerSecond: 1000,
  minIdsPerSecond: 100,
  increasePerSecond: 500,
  backOff: 0.6,
  holdMs: 2000,
};


export interface PaceState {
  /** The pace: at most this many identities per second. */
  idsPerSecond: number;
  /**
   * The rate the move actually reached (a receiver may be slower than the pace) over the last
   * completed measuring window; null before the first one.
   */
  achievedIdsPerSecond: number | null;
  /** The current measuring window of the achieved rate: since when, and how many moved in it. */
  windowStart: number;
  windowMoved: number;
  /** When the last chunk was acknowledged (ms, any monotonic clock). */
  lastChunkAt: number;
  /** When the pace was last decided (at the start: when the source began). */
  decidedAt: number;
  /** No change of pace before this time. */
  heldUntil: number;
}

export function validLatencyPacing(config: LatencyPacingConfig): LatencyPacingConfig {
  if (!Number.isFinite(config.maxP99Factor) || (config.maxP99Factor !== 0 && config.maxP99Factor < 1)) {
    throw new Error('maxP99Factor must be 0 (off) or >= 1');
  }
  if (!(config.minIdsPerSecond > 0) || !(config.startIdsPerSecond >= config.minIdsPerSecond)) throw new Error('need 0 < minIdsPerSecond <= startIdsPerSecond');
  if (!(config.increasePerSecond >= 0) || !(config.backOff > 0 && config.backOff < 1) || !(config.holdMs >= 0)) {
    throw new Error('need increasePerSecond >= 0, backOff in (0, 1), holdMs >= 0');
  }
  return config;
}

/** The achieved rate is measured over windows at least this long. */
const ACHIEVED_WINDOW_MS = 250;

/** A source's pacing as it starts streaming at `now`. */
export function startPace(config: LatencyPacingConfig, now: number): PaceState {
  return { idsPerSecond: config.startIdsPerSecond, achievedIdsPerSecond: null, windowStart: now, windowMoved: 0, lastChunkAt: now, decidedAt: now, heldUntil: now + config.holdMs };
}

/**
 * How much slower the searches are: the largest recent-p99 / baseline-p99 among the reports
 * (one per gateway) with enough samples in both (fewer than 100 searches have no p99 to speak
 * of: a quiet cluster's move is not slowed by its few searches); null when none has.
 */
export function searchSlowdown(reports: readonly (SearchLatencyReport | undefined)[], minSamples = 100): number | null {
  let worst: number | null = null;
  for (const report of reports) {
    if (!report || report.recentSamples < minSamples || report.baselineSamples < minSamples || !(report.baselineP99Ms > 0)) continue;
    const ratio = report.recentP99Ms / report.baselineP99Ms;
    if (worst === null || ratio > worst) worst = ratio;
  }
  return worst;
}

/**
 * The pace after a chunk of `moved` identities was acknowledged at `now`, the searches being
 * `slowdown` × their baseline p99 (null: no shard searched enough to say; taken as within).
 */
export function nextPace(config: LatencyPacingConfig, state: PaceState, chunk: { now: number; moved: number; slowdown: number | null }): PaceState {
  const next: PaceState = { ...state, windowMoved: state.windowMoved + chunk.moved, lastChunkAt: chunk.now };
  // The achieved rate over windows of ACHIEVED_WINDOW_MS, not per chunk: chunks are pipelined, so
  // two acknowledgements can arrive back to back after one pause.
  const windowMs = chunk.now - state.windowStart;
  if (windowMs >= ACHIEVED_WINDOW_MS) {
    next.achievedIdsPerSecond = (next.windowMoved / windowMs) * 1000;
    next.windowStart = chunk.now;
    next.windowMoved = 0;
  }
  if (config.maxP99Factor <= 0 || chunk.now < state.heldUntil) return next;
  const achieved = next.achievedIdsPerSecond ?? state.idsPerSecond;
  if (chunk.slowdown !== null && chunk.slowdown > config.maxP99Factor) {
    const from = Math.min(state.idsPerSecond, achieved);
    return { ...next, idsPerSecond: Math.max(config.minIdsPerSecond, config.backOff * from), decidedAt: chunk.now, heldUntil: chunk.now + config.holdMs };
  }
  // Grow only while the pace is what holds the move back: a move limited by its receiver
  // (achieved well under the pace) would otherwise build up a pace it could never back off from
  // in one step.
  const ceiling = Math.max(state.idsPerSecond, 2 * achieved);
  const grown = (config.increasePerSecond * (chunk.now - state.decidedAt)) / 1000;
  return { ...next, idsPerSecond: Math.min(ceiling, state.idsPerSecond + grown), decidedAt: chunk.now, heldUntil: chunk.now + config.holdMs };
}

/**
 * The pause after a chunk of `moved` identities, `intervalMs` after the pause before it ended, so
 * that the chunk does not run ahead of the pace (measure from the end of the last pause, not the
 * last acknowledgement: a pipelined chunk acknowledged during that pause has not waited its turn).
 */
export function pacedPauseMs(idsPerSecond: number, moved: number, intervalMs: number): number {
  if (!(idsPerSecond > 0)) return 0;
  return Math.max(0, (moved / idsPerSecond) * 1000 - intervalMs);
}
