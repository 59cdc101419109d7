import { FaceshardError, type ShardHealth, type ShardStatus } from '@faceshard/contracts';
import type { Heartbeat } from '@faceshard/messaging';

export interface HeartbeatMonitorOptions {
  /** A shard is down when nothing was heard from it for longer than this. */
  downAfterMs: number;
  now?: () => number;
}

/**
 * Liveness from heartbeats, pure (the clock is injected). Times are when a beat was
 * RECEIVED, on this process's clock: the sender's sentAtMs comes from another machine's
 * clock, and skew between them must not make a live shard look dead or a dead one alive.
 * A shard never heard from is down (lastHeartbeatMs null).
 */
export class HeartbeatMonitor {
  private readonly lastSeen = new Map<string, number>();
  private readonly downAfterMs: number;
  private readonly now: () => number;

  constructor(opts: HeartbeatMonitorOptions) {
    if (!Number.isFinite(opts.downAfterMs) || opts.downAfterMs <= 0) {
      throw new FaceshardError('VALIDATION_FAILED', `downAfterMs must be a positive number, got ${opts.downAfterMs}`);
    }
    this.downAfterMs = opts.downAfterMs;
    this.now = opts.now ?? Date.now;
  }

  observe(beat: Heartbeat): void {
    const at = this.now();
    const previous = this.lastSeen.get(beat.shardId);
    // A clock that steps back must not make the last sighting older.
    if (previous === undefined || at > previous) this.lastSeen.set(beat.shardId, at);
  }

  health(shardId: string): ShardHealth {
    const seen = this.lastSeen.get(shardId);
    return seen !== undefined && this.now() - seen <= this.downAfterMs ? 'up' : 'down';
  }

  lastHeartbeatMs(shardId: string): number | null {
    return this.lastSeen.get(shardId) ?? null;
  }

  statuses(members: readonly string[]): ShardStatus[] {
    return members.map((shardId) => ({ shardId, health: this.health(shardId), lastHeartbeatMs: this.lastHeartbeatMs(shardId) }));
  }

  /** Drops what is known about a shard (e.g. after it left the ring). */
  forget(shardId: string): void {
    this.lastSeen.delete(shardId);
  }
}
