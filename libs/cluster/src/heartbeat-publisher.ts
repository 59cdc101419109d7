import { FaceshardError } from '@faceshard/contracts';
import { assertShardId, type ShardTransport } from '@faceshard/messaging';

/** Sends this shard's heartbeat now and then every `everyMs` until stopped. */
export class HeartbeatPublisher {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly transport: ShardTransport,
    private readonly shardId: string,
    private readonly everyMs: number,
  ) {
    assertShardId(shardId);
    if (!Number.isFinite(everyMs) || everyMs <= 0) {
      throw new FaceshardError('VALIDATION_FAILED', `heartbeat interval must be a positive number of ms, got ${everyMs}`);
    }
  }

  start(): void {
    if (this.timer) return;
    this.beat();
    this.timer = setInterval(() => this.beat(), this.everyMs);
    // Heartbeats alone must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  private beat(): void {
    try {
      this.transport.publishHeartbeat({ shardId: this.shardId, sentAtMs: Date.now() });
    } catch {
      // Best effort: a missed beat is exactly what the monitor's downAfterMs tolerates.
    }
  }
}
