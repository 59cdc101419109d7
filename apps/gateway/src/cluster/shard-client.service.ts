import { Inject, Injectable, Optional } from '@nestjs/common';
import { FaceshardError, SearchHit, ShardOp, ShardRequest, ShardResponse } from '@faceshard/contracts';
import type { ShardTransport } from '@faceshard/messaging';
import type { GatewayConfig } from '../config/gateway-config';
import { FAN_OUT_SCHEDULER, GATEWAY_CONFIG, SHARD_TRANSPORT } from '../gateway.tokens';
import { systemScheduler, type Scheduler } from '../fan-out/scheduler';
import { SearchCoalescer, type Batch } from '../fan-out/search-coalescer';
import { answersOfReply, queryCostBytes, shardSearchMessage, type SearchTarget, type ShardAnswer, type ShardQuery } from '../fan-out/shard-search-message';
import { ShardHealthService } from './shard-health.service';
import { GATEWAY_METRICS, NO_GATEWAY_METRICS, type GatewayMetrics } from '../observability/gateway-metrics';

/** Generous: a collection spec and a few numbers encode to well under 1 KB. */
const REQUEST_ENVELOPE_BYTES = 8 * 1024;

/** A reply's framing beyond its hits. */
const REPLY_ENVELOPE_BYTES = 1024;
/** One hit besides its attributes: identity and face ids (128 characters each at most), shard id, score, keys. */
const HIT_OVERHEAD_BYTES = 512;

type ShardSearchTarget = SearchTarget & { shardId: string };

/** Requests to one shard, with the gateway's deadlines and its fail-fast rule for down shards. */
@Injectable()
export class ShardClient {
  private readonly scheduler: Scheduler;
  private coalescer?: SearchCoalescer<ShardSearchTarget, ShardQuery, ShardAnswer>;

  constructor(
    @Inject(SHARD_TRANSPORT) private readonly transport: ShardTransport,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly health: ShardHealthService,
    @Optional() @Inject(FAN_OUT_SCHEDULER) scheduler?: Scheduler,
    @Optional() @Inject(GATEWAY_METRICS) private readonly metrics: GatewayMetrics = NO_GATEWAY_METRICS,
  ) {
    this.scheduler = scheduler ?? systemScheduler;
  }

  /**
   * Searches on one shard: answers[i] (hits, and the ef the shard used) answers queries[i]. The queries travel together in one
   * message, coalesced with concurrent searches to the same shard and collection when that
   * shard is already busy (see fan-out/search-coalescer.ts; SEARCH_BATCH_WINDOW_US and
   * SEARCH_BATCH_MAX). A failure of that message (timeout, shard down or busy) fails every
   * query in it alike: each caller then reports the shard as missing.
   */
  search(shardId: string, target: SearchTarget, queries: readonly ShardQuery[]): Promise<ShardAnswer[]> {
    const key = `${shardId}\n${target.collection}\n${target.generation ?? ''}`;
    return this.searchCoalescer().submit(key, { ...target, shardId }, queries, this.scheduler.now() + this.config.searchTimeoutMs);
  }

  /**
   * A write to a shard that stopped heartbeating fails at once with a retryable error;
   * it is never redirected to another shard (that would put the identity where no
   * reader looks for it). A write in flight when its shard is marked down fails then
   * (SHARD_UNAVAILABLE, details.outcome 'unknown': it may have been stored), not at the end
   * of the write timeout; writes are idempotent, so retrying it is safe.
   */
  async write<O extends 'upsert' | 'delete' | 'dropCollection' | 'applyVersioned'>(shardId: string, op: O, req: ShardRequest<O>): Promise<ShardResponse<O>> {
    if (await this.health.confirmedDown(shardId)) {
      throw new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} is down (no heartbeat); retry later`, { shardId });
    }
    const inFlight = new AbortController();
    try {
      return await Promise.race([
        this.timed(shardId, op, req, this.config.writeTimeoutMs),
        this.health.whenDown(shardId, inFlight.signal).then((): never => {
          throw new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} went down while this write was in flight; it may or may not have been stored, retrying is safe`, {
            shardId,
            outcome: 'unknown',
          });
        }),
      ]);
    } finally {
      inFlight.abort();
    }
  }

  /**
   * Bytes one write message may spend on identities: the transport's payload limit less room
   * for the rest of the request (collection spec, ring epoch, deadline, msgpack framing).
   */
  identityBytesPerMessage(): number {
    return this.transport.maxPayloadBytes() - REQUEST_ENVELOPE_BYTES;
  }

  /**
   * Most search hits one shard reply can carry: each hit may hold an identity's attributes (at
   * most maxAttributesBytes, checked at the edge) plus ids and a score. Bounds k, so that no
   * reply is ever over the transport's payload limit.
   */
  maxHitsPerReply(): number {
    return Math.floor((this.transport.maxPayloadBytes() - REPLY_ENVELOPE_BYTES) / (this.config.maxAttributesBytes + HIT_OVERHEAD_BYTES));
  }

  read<O extends 'search' | 'searchMany' | 'listIdentities' | 'get' | 'stats'>(shardId: string, op: O, req: ShardRequest<O>, timeoutMs?: number): Promise<ShardResponse<O>> {
    const timeout = timeoutMs ?? this.config.searchTimeoutMs;
    // The usual case, a shard not known down, goes straight out: no turn of the event loop, no promise of its own.
    if (!this.health.isKnownDown(shardId)) return this.timed(shardId, op, req, timeout);
    return this.health.confirmedDown(shardId).then((down) => {
      if (down) throw new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} is down (no heartbeat)`, { shardId });
      return this.timed(shardId, op, req, timeout);
    });
  }

  /** Made on first use: the message budget depends on the transport's payload limit, known once connected. */
  private searchCoalescer(): SearchCoalescer<ShardSearchTarget, ShardQuery, ShardAnswer> {
    if (this.coalescer) return this.coalescer;
    const batch = this.config.searchBatch ?? { windowUs: 0, maxQueries: 0 };
    const hitBytes = this.config.maxAttributesBytes + HIT_OVERHEAD_BYTES;
    this.coalescer = new SearchCoalescer({
      limits: {
        windowUs: batch.windowUs,
        maxQueries: batch.maxQueries,
        maxCost: this.transport.maxPayloadBytes() - REQUEST_ENVELOPE_BYTES - REPLY_ENVELOPE_BYTES,
        // A batch leaves with its earliest caller's deadline: no caller gives up more than 2% of its own (5 ms at least) to company.
        deadlineSlackMs: Math.max(5, this.config.searchTimeoutMs / 50),
      },
      scheduler: this.scheduler,
      send: (batch) => this.sendSearches(batch),
      cost: (query) => queryCostBytes(query, hitBytes),
      // A request error (bad filter, wrong dimension) or an oversized message may be one query's
      // doing: the batch is re-sent one caller at a time, so that only that caller gets it.
      splitOnError: (error) => error instanceof FaceshardError && ((!error.retryable && error.status < 500) || error.code === 'REPLY_TOO_LARGE'),
    });
    return this.coalescer;
  }

  /** Not async: the coalescer turns a throw into the message's failure; one promise layer less per search. */
  private sendSearches(batch: Batch<ShardSearchTarget, ShardQuery>): Promise<ShardAnswer[]> {
    const { shardId } = batch.target;
    const timeoutMs = Math.ceil(batch.deadline - this.scheduler.now());
    if (timeoutMs <= 0) throw new FaceshardError('SHARD_TIMEOUT', `shard ${shardId}: the search's deadline passed before it was sent`, { shardId });
    const message = shardSearchMessage(batch.target, batch.queries);
    const reply: Promise<ShardResponse<'search'> | ShardResponse<'searchMany'>> =
      message.op === 'search' ? this.read(shardId, 'search', message.req, timeoutMs) : this.read(shardId, 'searchMany', message.req, timeoutMs);
    return reply.then((r) => answersOfReply(message, r));
  }

  /** Records a profile in the shard process (CPU for N seconds, or a heap snapshot): the deadline is the caller's. */
  async profile(shardId: string, req: ShardRequest<'profile'>, timeoutMs: number): Promise<ShardResponse<'profile'>> {
    if (await this.health.confirmedDown(shardId)) throw new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} is down (no heartbeat)`, { shardId });
    return this.transport.request(shardId, 'profile', req, { timeoutMs });
  }

  /** A part of a recorded profile, sized to fit one reply. */
  profileChunk(shardId: string, req: Omit<ShardRequest<'profileChunk'>, 'maxBytes'>): Promise<ShardResponse<'profileChunk'>> {
    const maxBytes = this.transport.maxPayloadBytes() - REPLY_ENVELOPE_BYTES - REQUEST_ENVELOPE_BYTES;
    return this.transport.request(shardId, 'profileChunk', { ...req, maxBytes }, { timeoutMs: this.config.writeTimeoutMs });
  }

  /** An operator's integrity check (and repair) of one shard: its own, long deadline. */
  async integrityCheck(shardId: string, req: ShardRequest<'integrityCheck'>, timeoutMs: number): Promise<ShardResponse<'integrityCheck'>> {
    if (await this.health.confirmedDown(shardId)) {
      throw new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} is down (no heartbeat)`, { shardId });
    }
    return this.timed(shardId, 'integrityCheck', req, timeoutMs);
  }

  /** One request, its time reported per shard, op and outcome (the fan-out latency series). */
  private timed<O extends ShardOp>(shardId: string, op: O, req: ShardRequest<O>, timeoutMs: number): Promise<ShardResponse<O>> {
    const started = performance.now();
    let sent: Promise<ShardResponse<O>>;
    try {
      sent = this.transport.request(shardId, op, req, { timeoutMs });
    } catch (error) {
      sent = Promise.reject(error);
    }
    // then(ok, failed) rather than an async function with try/finally: the same record, two promises fewer per request.
    return sent.then(
      (reply) => {
        this.metrics.fanOut.shardReply(shardId, op, 'ok', (performance.now() - started) / 1000);
        return reply;
      },
      (error: unknown) => {
        this.metrics.fanOut.shardReply(shardId, op, error instanceof FaceshardError ? error.code : 'INTERNAL', (performance.now() - started) / 1000);
        throw error;
      },
    );
  }
}
