import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HeartbeatMonitor } from '@faceshard/cluster';
import type { ShardStatus } from '@faceshard/contracts';
import type { ShardTransport } from '@faceshard/messaging';
import type { GatewayConfig } from '../config/gateway-config';
import { GATEWAY_CONFIG, SHARD_TRANSPORT } from '../gateway.tokens';

/** Liveness of shards as seen from their heartbeats. */
@Injectable()
export class ShardHealthService implements OnModuleInit, OnApplicationShutdown {
  private readonly monitor: HeartbeatMonitor;
  /** How often an in-flight request re-checks its shard: a few times per down-after period. */
  private readonly recheckEveryMs: number;
  private unsubscribe?: () => void;

  constructor(
    @Inject(SHARD_TRANSPORT) private readonly transport: ShardTransport,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.monitor = new HeartbeatMonitor({ downAfterMs: config.shardDownAfterMs });
    this.recheckEveryMs = Math.max(20, Math.min(250, config.shardDownAfterMs / 4));
  }

  onModuleInit(): void {
    this.unsubscribe = this.transport.onHeartbeat((beat) => this.monitor.observe(beat));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }

  /**
   * Down means: heard from before, silent since. A shard this gateway has not heard from
   * yet (it just started) is tried anyway: NATS answers "no responders" at once if no
   * process serves it, so nothing waits on a shard that is really gone.
   */
  isKnownDown(shardId: string): boolean {
    const [status] = this.monitor.statuses([shardId]);
    return status.health === 'down' && status.lastHeartbeatMs !== null;
  }

  /**
   * isKnownDown, confirmed after two turns of the event loop. If this process's own loop was
   * held longer than the down threshold (a large request parsed, or, in the embedded platform,
   * the in-process shard applying a big batch), the shard's heartbeats were held up too: over
   * NATS they wait unread in the socket (the poll phase reads them before setImmediate runs);
   * in-process the shard's heartbeat timer is as overdue as our check and delivers its beat on a
   * setImmediate of its own (hence a second turn). Either way the silence was ours, not the shard's.
   */
  async confirmedDown(shardId: string): Promise<boolean> {
    if (!this.isKnownDown(shardId)) return false;
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    return this.isKnownDown(shardId);
  }

  /**
   * Resolves when the shard becomes known down (confirmedDown); never, if `signal` aborts
   * first. Lets a request in flight to a shard that died give up then, not at its full timeout.
   */
  whenDown(shardId: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return;
      let confirming = false;
      const timer = setInterval(() => {
        if (confirming || !this.isKnownDown(shardId)) return;
        confirming = true;
        void this.confirmedDown(shardId).then((down) => {
          confirming = false;
          if (!down || signal.aborted) return;
          clearInterval(timer);
          resolve();
        });
      }, this.recheckEveryMs);
      timer.unref?.();
      signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    });
  }

  statuses(members: string[]): ShardStatus[] {
    return this.monitor.statuses(members);
  }
}
