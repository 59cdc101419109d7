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
   * Resolves when the shard becomes known down (see isKnownDown); never, if `signal` aborts
   * first. Lets a request in flight to a shard that died give up then, not at its full timeout.
   */
  whenDown(shardId: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return;
      const timer = setInterval(() => {
        if (!this.isKnownDown(shardId)) return;
        clearInterval(timer);
        resolve();
      }, this.recheckEveryMs);
      timer.unref?.();
      signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    });
  }

  statuses(members: string[]): ShardStatus[] {
    return this.monitor.statuses(members);
  }
}
