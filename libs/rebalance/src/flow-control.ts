/**
 * Flow control of a move: how long the coordinator pauses after a chunk so that the move neither
 * exceeds a rate nor takes more than a share of the time of the shards it works on. Pure: the
 * coordinator measures, this decides.
 */
export interface FlowLimits {
  /** Identities per second per source; 0: no cap. */
  maxIdsPerSecond: number;
  /**
   * Share of each shard's time a move may take, in (0, 1]; 1: no cap. The time a chunk costs a
   * shard is how long the shard took to answer it (the source exporting it, each receiver
   * applying it); after it, the move stays away from that shard long enough that
   * busy / (busy + pause) <= share, leaving the rest to live traffic.
   */
  maxTimeShare: number;
}

export const NO_FLOW_LIMITS: FlowLimits = { maxIdsPerSecond: 0, maxTimeShare: 1 };

export function validFlowLimits(limits: FlowLimits): FlowLimits {
  if (!Number.isFinite(limits.maxIdsPerSecond) || limits.maxIdsPerSecond < 0) throw new Error('maxIdsPerSecond must be >= 0');
  if (!Number.isFinite(limits.maxTimeShare) || limits.maxTimeShare <= 0 || limits.maxTimeShare > 1) throw new Error('maxTimeShare must be in (0, 1]');
  return limits;
}

/** Pause after a chunk that kept a shard busy `busyMs`, so that the move's share of its time is at most `share`. */
export function timeSharePauseMs(busyMs: number, share: number): number {
  if (share >= 1 || busyMs <= 0) return 0;
  return (busyMs * (1 - share)) / share;
}

/** Pause so that `moved` identities since `elapsedMs` ago do not exceed the rate cap. */
export function ratePauseMs(moved: number, elapsedMs: number, maxIdsPerSecond: number): number {
  if (maxIdsPerSecond <= 0) return 0;
  return Math.max(0, (moved / maxIdsPerSecond) * 1000 - elapsedMs);
}

/**
 * The pause after a chunk: the longer of what the rate cap and the time-share cap ask.
 * `busyMs` is the longest any one shard spent on the chunk (they work on it in parallel).
 */
export function pauseAfterChunkMs(limits: FlowLimits, chunk: { busyMs: number; moved: number; elapsedMs: number }): number {
  return Math.max(ratePauseMs(chunk.moved, chunk.elapsedMs, limits.maxIdsPerSecond), timeSharePauseMs(chunk.busyMs, limits.maxTimeShare));
}
