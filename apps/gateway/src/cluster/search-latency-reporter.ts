import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { ShardTransport } from '@faceshard/messaging';
import { LatencyWindows } from '@faceshard/observability';
import { SHARD_TRANSPORT } from '../gateway.tokens';
import { RingService } from './ring.service';

/** How often a gateway tells coordinators about its searches while a move runs. */
export const SEARCH_LATENCY_REPORT_EVERY_MS = 250;
/**
 * The recent window: long enough that its p99 is not a handful of searches (~660 at 330/s), short
 * enough to react (1 % slow searches in it suffice). The pacing holds a back-off as long.
 */
export const SEARCH_LATENCY_WINDOW_MS = 2000;

/**
 * What this gateway's searches cost, for the latency pacing of moves (libs/rebalance
 * latency-pacing.ts, REBALANCE_MAX_SEARCH_P99_FACTOR): the time of every answered vector search
 * (observeSearchRequests: Fastify's time from the request's arrival to its answer, what a client
 * waits for less the network) over the last SEARCH_LATENCY_WINDOW_MS, and a baseline of those
 * that ran while the ring had no move. While a move runs it publishes both p99s every
 * SEARCH_LATENCY_REPORT_EVERY_MS; coordinators back off when the move makes searches slow.
 *
 * Measured on whole requests rather than on the shards or per shard message: the part a move
 * slows (a source's 2 ms export slices, a receiver's CPU) is a small share of what a client waits
 * for, so the shards' own search p99 said 2-4x while the client's was 1.5x, and the gateway's
 * per-message p99 still about 2x (bench/rebalance/README.md, 28 Nov).
 */
@Injectable()
export class SearchLatencyReporter implements OnModuleInit, OnApplicationShutdown {
  readonly gatewayId = randomUUID();
  private readonly windows = new LatencyWindows({ recentMs: SEARCH_LATENCY_WINDOW_MS, baselineSamples: 2048 });
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

  /** A search was answered after `ms`. */
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

/**
 * The vector search route. Photo routes (identify) are left out: their time is mostly the face
 * models', a different distribution whose p99 would say nothing about the shards.
 */
const SEARCH_ROUTE = /^\/v1\/collections\/:[a-z]+\/search$/;

/** Tells `reporter` the time of every successful search request this gateway answers. */
export function observeSearchRequests(fastify: FastifyInstance, reporter: SearchLatencyReporter): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    if (reply.statusCode < 300 && request.method === 'POST' && SEARCH_ROUTE.test(request.routeOptions.url ?? '')) reporter.searched(reply.elapsedTime);
    done();
  });
}
