import { Inject, Injectable, Optional } from '@nestjs/common';
import { AttributeFilter, CollectionSpec, FaceshardError, SearchHit } from '@faceshard/contracts';
import { mergeTopK } from '@faceshard/query';
import { tracing, withSpan } from '@faceshard/tracing';
import { readVector } from '../common/vector-input';
import type { GatewayConfig } from '../config/gateway-config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { CollectionsService } from '../collections/collections.service';
import { RingService } from '../cluster/ring.service';
import { ShardClient } from '../cluster/shard-client.service';
import type { SearchDto } from './search.dto';
import { SearchThresholdService } from './search-threshold.service';
import { thresholdFields } from '../faces/threshold-answer';
import { GATEWAY_METRICS, NO_GATEWAY_METRICS, type GatewayMetrics } from '../observability/gateway-metrics';

export interface SearchResult {
  hits: SearchHit[];
  /** True when some shard did not answer (see missingShards): `hits` may lack people held there. */
  partial: boolean;
  /** Each shard whose part is missing, with the error code it failed with (SHARD_TIMEOUT, BUSY, REPLY_TOO_LARGE...). */
  missingShards: { shardId: string; code: string }[];
  ringEpoch: number;
  tookMs: number;
  /** The ef each answering shard searched with: the request's whole-collection ef scaled to its share (libs/query/src/shard-ef.ts). */
  shardEf: Record<string, number>;
  /** Set when the request set minScore or farTarget on a face collection with a calibrated model: see SearchThresholdService. */
  threshold?: number;
  thresholdSource?: 'farTarget' | 'threshold' | 'default';
  farTarget?: number;
  falseMatchRate?: number | null;
}

/** 1:N search: every shard answers its local top-k, the gateway merges them exactly. */
@Injectable()
export class SearchService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly collections: CollectionsService,
    private readonly ring: RingService,
    private readonly shards: ShardClient,
    private readonly thresholds: SearchThresholdService,
    @Optional() @Inject(GATEWAY_METRICS) private readonly metrics: GatewayMetrics = NO_GATEWAY_METRICS,
  ) {}

  async search(collectionName: string, dto: SearchDto): Promise<SearchResult> {
    const started = performance.now();
    // From the cache without an await (the usual case): one promise and one microtask turn less.
    const collection = this.collections.cached(collectionName) ?? (await this.collections.require(collectionName));
    const vector = readVector(dto, collection);
    const k = dto.k ?? 10;
    const maxK = Math.min(this.config.maxK, this.shards.maxHitsPerReply());
    if (k > maxK) {
      const why = maxK < this.config.maxK ? ` (each hit may carry ${this.config.maxAttributesBytes} bytes of attributes and must fit one shard reply)` : '';
      throw new FaceshardError('VALIDATION_FAILED', `k is at most ${maxK}${why}, got ${k}`, { max: maxK });
    }
    const ring = this.ring.current();
    if (ring.members.length === 0) throw new FaceshardError('NO_SHARDS', 'no shard has joined the cluster yet');

    // The generation keeps data of a deleted collection of the same name out of the answer.
    const target = { collection: collection.name, generation: collection.generation };
    const applied = dto.minScore === undefined && dto.farTarget === undefined ? undefined : await this.thresholds.resolve(collection, dto);
    const minScore = applied ? applied.threshold : dto.minScore;
    const queries = [{ vector, params: dto.filter ? { k, minScore, ef: dto.ef, filter: dto.filter } : { k, minScore, ef: dto.ef } }];
    const { answers, answeredBy, missingShards } = await this.fanOut(ring, async (shardId) => (await this.shards.search(shardId, target, queries))[0]!);
    const shardEf: Record<string, number> = {};
    answers.forEach((answer, i) => {
      if (answer.ef !== undefined) shardEf[answeredBy[i]!] = answer.ef;
    });
    return {
      hits: mergeTopK(
        answers.map((answer) => answer.hits),
        k,
      ),
      partial: missingShards.length > 0,
      missingShards,
      ringEpoch: ring.epoch,
      tookMs: Math.round((performance.now() - started) * 1000) / 1000,
      shardEf,
      ...(applied ? thresholdFields(applied) : {}),
    };
  }

  /**
   * Several query vectors (all faces of one photo) in ONE fan-out round: each shard gets them
   * in one message and answers every vector; the gateway merges per vector.
   */
  async searchMany(
    collection: CollectionSpec,
    vectors: Float32Array[],
    options: { k: number; minScore?: number; ef?: number; filter?: AttributeFilter },
  ): Promise<{ hits: SearchHit[][]; partial: boolean; missingShards: SearchResult['missingShards']; ringEpoch: number }> {
    const ring = this.ring.current();
    if (vectors.length === 0) return { hits: [], partial: false, missingShards: [], ringEpoch: ring.epoch };
    if (ring.members.length === 0) throw new FaceshardError('NO_SHARDS', 'no shard has joined the cluster yet');
    const maxK = Math.min(this.config.maxK, this.shards.maxHitsPerReply());
    if (options.k > maxK) throw new FaceshardError('VALIDATION_FAILED', `k is at most ${maxK}, got ${options.k}`, { max: maxK });
    // One message per shard (shared with concurrent searches when the shard is busy), unless
    // the replies would outgrow the payload limit: then as few messages as fit (ShardClient.search).
    const target = { collection: collection.name, generation: collection.generation };
    const queries = vectors.map((vector) => ({ vector, params: options }));
    const { answers, missingShards } = await this.fanOut(ring, (shardId) => this.shards.search(shardId, target, queries));
    const hits = vectors.map((_, i) => mergeTopK(answers.map((answer) => answer[i]?.hits ?? []), options.k));
    return { hits, partial: missingShards.length > 0, missingShards, ringEpoch: ring.epoch };
  }

  /**
   * Asks every member at once; a shard in trouble makes the answer partial, a wrong request fails it.
   */
  private async fanOut<T>(ring: { members: readonly string[] }, ask: (shardId: string) => Promise<T>) {
    const askAll = () => Promise.allSettled(ring.members.map(ask));
    // Traced: one span over the round; each shard's message is a child span of it (NatsShardTransport).
    const settled = tracing.on ? await withSpan('search.fanout', { attributes: { 'faceshard.shards': ring.members.length } }, askAll) : await askAll();
    const answers: T[] = [];
    const answeredBy: string[] = [];
    const missingShards: SearchResult['missingShards'] = [];
    settled.forEach((answer, i) => {
      if (answer.status === 'fulfilled') {
        answers.push(answer.value);
        answeredBy.push(ring.members[i]!);
        return;
      }
      const error = answer.reason;
      // An error about the request itself (a non-retryable 4xx: wrong dimension, bad filter)
      // would come from every shard alike: the client must know. Anything else is that shard's
      // own trouble (no answer in time, down, busy, a reply too large, a bug): the rest of the
      // cluster still answers, and the shard is listed with the reason.
      if (error instanceof FaceshardError && !error.retryable && error.status < 500) throw error;
      const code = error instanceof FaceshardError ? error.code : 'INTERNAL';
      missingShards.push({ shardId: ring.members[i]!, code });
      this.metrics.fanOut.shardMissing(code);
    });
    // No shard answered at all: that is no answer, not a partial one (BUSY everywhere -> 429).
    if (answers.length === 0) throw (settled[0] as PromiseRejectedResult).reason;
    return { answers, answeredBy, missingShards };
  }
}
