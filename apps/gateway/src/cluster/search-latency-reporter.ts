import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ShardTransport } from '@faceshard/messaging';
import { LatencyWindows } from '@faceshard/observability';
import { SHARD_TRANSPORT } from '../gateway.tokens';
import { RingService } from './ring.service';

/** How often a gateway tells coordinators about its searches while a move runs. */
export const SEARCH_LATENCY_REPORT_EVERY_MS = 250;

/**
 * What this gateway's searches cost, for the latency pacing of moves (libs/rebalance
 * latency-pacing.ts, REBALANCE_MAX_SEARCH_P99_FACTOR): the time of every search message to a
 * shard, from the gateway's hand-off to the answer (the NATS round trip, the shard's queue and
 * search, this process's event loop: what a client waits for), in a 1 s window, and a baseline
 * of those that ran while the ring had no move. While a move runs it publishes both p99s every
 * SEARCH_LATENCY_REPORT_EVERY_MS; coordinators back off when the move makes searches slow.
 *
 * Measured here rather than on the shards: a shard's own search time misleads both ways (a
 * source's 2 ms export slices tripled its search p99 while the gateway's hardly moved; a revived
 * leave slowed NATS and the gateway more than the shards: bench/rebalance/README.md).
 */
@Injectable()
export class SearchLatencyReporter implements OnModuleInit, OnApplicationShutdown {
  readonly gatewayId = randomUUID();
  private readonly windows = new LatencyWindows();
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(SHARD_TRANSPORT) private readonly transport: ShardTransport,
    private readonly ring: RingService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.publish(), SEARCH_LATENCY_REPORT_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** A search message to a shard was answered after `ms`. */
  searched(ms: number): void {
    this.windows.record(ms, !this.ring.current().state.move);
  }

  /** Publishes the current report if a move runs and there is one to give. */
  publish(): void {
    if (!this.ring.current().state.move) return;
    const report = this.windows.report();
    if (report) this.transport.publishSearchLatency({ gatewayId: this.gatewayId, ...report });
  }
}
