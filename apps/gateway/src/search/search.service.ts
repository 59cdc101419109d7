import { Inject, Injectable } from '@nestjs/common';
import { FaceshardError, SearchHit } from '@faceshard/contracts';
import { mergeTopK } from '@faceshard/query';
import { readVector } from '../common/vector-input';
import type { GatewayConfig } from '../config/gateway-config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { CollectionsService } from '../collections/collections.service';
import { RingService } from '../cluster/ring.service';
import { ShardClient } from '../cluster/shard-client.service';
import type { SearchDto } from './search.dto';

export interface SearchResult {
  hits: SearchHit[];
  /** True when some shard did not answer in time: `hits` may lack people held there. */
  partial: boolean;
  missingShards: { shardId: string; code: string }[];
  ringEpoch: number;
  tookMs: number;
}

/** 1:N search: every shard answers its local top-k, the gateway merges them exactly. */
@Injectable()
export class SearchService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly collections: CollectionsService,
    private readonly ring: RingService,
    private readonly shards: ShardClient,
  ) {}

  async search(collectionName: string, dto: SearchDto): Promise<SearchResult> {
    const started = performance.now();
    const collection = await this.collections.require(collectionName);
    const vector = readVector(dto, collection);
    const k = dto.k ?? 10;
    if (k > this.config.maxK) {
      throw new FaceshardError('VALIDATION_FAILED', `k is at most ${this.config.maxK}, got ${k}`, { max: this.config.maxK });
    }
    const ring = this.ring.current();
    if (ring.members.length === 0) throw new FaceshardError('NO_SHARDS', 'no shard has joined the cluster yet');

    const request = { collection: collection.name, vector, k, minScore: dto.minScore, ef: dto.ef };
    const answers = await Promise.allSettled(ring.members.map((shardId) => this.shards.read(shardId, 'search', request)));

    const lists: SearchHit[][] = [];
    const missingShards: SearchResult['missingShards'] = [];
    answers.forEach((answer, i) => {
      if (answer.status === 'fulfilled') {
        lists.push(answer.value.hits);
        return;
      }
      const error = answer.reason;
      // Only "could not hear from it" makes a result partial; a shard that answered with
      // an error about the request itself means the request is wrong, and the client must know.
      if (error instanceof FaceshardError && error.retryable) missingShards.push({ shardId: ring.members[i], code: error.code });
      else throw error;
    });
    return {
      hits: mergeTopK(lists, k),
      partial: missingShards.length > 0,
      missingShards,
      ringEpoch: ring.epoch,
      tookMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
  }
}
