import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ClusterMetadataStore } from '@faceshard/cluster';
import { CollectionSpec, FaceshardError, Metric, type RingState } from '@faceshard/contracts';
import { checkName } from '../common/ids';
import { METADATA_STORE } from '../gateway.tokens';
import { RingService } from '../cluster/ring.service';
import { ShardClient } from '../cluster/shard-client.service';

/** Collections live in the shared metadata store; this gateway keeps a cache the store's watch invalidates. */
@Injectable()
export class CollectionsService implements OnModuleInit, OnApplicationShutdown {
  private cache = new Map<string, CollectionSpec>();
  private stopWatching?: () => void;

  constructor(
    @Inject(METADATA_STORE) private readonly metadata: ClusterMetadataStore,
    private readonly ring: RingService,
    private readonly shards: ShardClient,
  ) {}

  async onModuleInit(): Promise<void> {
    this.stopWatching = await this.metadata.watchCollections(() => this.cache.clear());
  }

  onApplicationShutdown(): void {
    this.stopWatching?.();
  }

  async create(input: { name: string; dimension: number; metric?: Metric; model?: string }): Promise<CollectionSpec> {
    const spec: CollectionSpec = {
      name: checkName('collection', input.name),
      dimension: input.dimension,
      metric: input.metric ?? 'cosine',
      ...(input.model !== undefined ? { model: input.model } : {}),
    };
    const created = await this.metadata.createCollection(spec);
    this.cache.set(created.name, created);
    return created;
  }

  /** The cached collection, if any: the search path's synchronous look-up (require() when absent). */
  cached(name: string): CollectionSpec | undefined {
    return this.cache.get(name);
  }

  /** The collection, or COLLECTION_NOT_FOUND. On the hot path: served from the cache. */
  async require(name: string): Promise<CollectionSpec> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const spec = await this.metadata.getCollection(checkName('collection', name));
    if (!spec) throw new FaceshardError('COLLECTION_NOT_FOUND', `no collection named "${name}"`);
    this.cache.set(name, spec);
    return spec;
  }

  list(): Promise<CollectionSpec[]> {
    return this.metadata.listCollections();
  }

  /**
   * Records the delete first: the metadata store replaces the spec by a tombstone of its
   * generation, so no gateway can place a write for it any more (a gateway still caching the spec
   * sends that generation, and every shard that dropped it refuses). Then asks every shard to drop
   * the generation. A shard that cannot be reached keeps unreachable data: every read carries the
   * generation (its data is never served), and the next collection of that name, a higher
   * generation, replaces it on that shard's first write. Those shards are named in the answer.
   */
  async delete(name: string): Promise<{ generation: number; shardsNotDropped: string[] }> {
    checkName('collection', name);
    const spec = await this.metadata.getCollection(name);
    if (!spec) throw new FaceshardError('COLLECTION_NOT_FOUND', `no collection named "${name}"`);
    const generation = spec.generation ?? 0;
    if (!(await this.metadata.deleteCollection(name, generation))) {
      throw new FaceshardError('COLLECTION_NOT_FOUND', `no collection named "${name}" (deleted or replaced meanwhile)`);
    }
    this.cache.delete(name);
    const shards = allShards(this.ring.current().state);
    const results = await Promise.allSettled(shards.map((shardId) => this.shards.write(shardId, 'dropCollection', { collection: name, generation })));
    return { generation, shardsNotDropped: shards.filter((_, i) => results[i].status === 'rejected') };
  }
}

/** Every shard that may hold data: the ring's members and any shard joining or leaving it. */
function allShards(ring: RingState): string[] {
  return [...new Set([...ring.members, ...(ring.memberStates ?? []).map((m) => m.shardId)])];
}
