import { FaceshardError, type ShardHealth, type ShardStatus } from '@faceshard/contracts';
import type { Heartbeat } from '@faceshard/messaging';

export interface HeartbeatMonitorOptions {
  /** A shard is down when nothing was heard from it for longer than this. */
  downAfterMs: number;
  /**
   * The clock liveness is measured on: monotonic (never steps, whatever NTP or an operator
   * does to the wall clock). Default performance.now().
   */
  monotonicNow?: () => number;
  /** The wall clock, only to report WHEN a beat arrived (`lastHeartbeatMs`). Default Date.now(). */
  wallNow?: () => number;
}

/**
 * Liveness from heartbeats, pure (both clocks are injected). Times are when a beat was
 * RECEIVED, on this process's clock: the sender's sentAtMs comes from another machine's
 * clock, and skew between them must not make a live shard look dead or a dead one alive.
 * Ages are measured on a monotonic clock: with the wall clock, a step back of an hour made a
 * dead shard read `up` for that hour, and a step forward made every live shard read `down`.
 * A shard never heard from is down (lastHeartbeatMs null).
 */
export class HeartbeatMonitor {
  private readonly lastSeen = new Map<string, { monotonic: number; wall: number }>();
  private readonly downAfterMs: number;
  private readonly monotonicNow: () => number;
  private readonly wallNow: () => number;

  constructor(opts: HeartbeatMonitorOptions) {
    if (!Number.isFinite(opts.downAfterMs) || opts.downAfterMs <= 0) {
      throw new FaceshardError('VALIDATION_FAILED', `downAfterMs must be a positive number, got ${opts.downAfterMs}`);
    }
    this.downAfterMs = opts.downAfterMs;
    this.monotonicNow = opts.monotonicNow ?? (() => performance.now());
    this.wallNow = opts.wallNow ?? Date.now;
  }

  observe(beat: Heartbeat): void {
    this.lastSeen.set(beat.shardId, { monotonic: this.monotonicNow(), wall: this.wallNow() });
  }

  health(shardId: string): ShardHealth {
    const seen = this.lastSeen.get(shardId);
    return seen !== undefined && this.monotonicNow() - seen.monotonic <= this.downAfterMs ? 'up' : 'down';
  }

  /** Wall-clock time (ms since the epoch) the last beat arrived: for people, not for liveness. */
  lastHeartbeatMs(shardId: string): number | null {
    return this.lastSeen.get(shardId)?.wall ?? null;
  }

  statuses(members: readonly string[]): ShardStatus[] {
    return members.map((shardId) => ({ shardId, health: this.health(shardId), lastHeartbeatMs: this.lastHeartbeatMs(shardId) }));
  }

  /** Drops what is known about a shard (e.g. after it left the ring). */
  forget(shardId: string): void {
    this.lastSeen.delete(shardId);
  }
}
