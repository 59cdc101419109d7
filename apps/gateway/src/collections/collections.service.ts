import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ClusterMetadataStore } from '@faceshard/cluster';
import { CollectionSpec, FaceshardError, Metric } from '@faceshard/contracts';
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
   * Drops the data on every shard first and forgets the collection only when all of them
   * confirmed. If a shard cannot be reached the collection stays listed (and the call can
   * be repeated): forgetting it would leave that shard's copy to resurface later.
   */
  async delete(name: string): Promise<void> {
    await this.require(name);
    const members = this.ring.current().members;
    const results = await Promise.allSettled(members.map((shardId) => this.shards.write(shardId, 'dropCollection', { collection: name })));
    const failed = members.filter((_, i) => results[i].status === 'rejected');
    if (failed.length > 0) {
      throw new FaceshardError(
        'SHARD_UNAVAILABLE',
        `collection "${name}" could not be dropped on shard(s) ${failed.join(', ')}; it is still listed, retry the delete`,
        { shards: failed },
      );
    }
    await this.metadata.deleteCollection(name);
    this.cache.delete(name);
  }
}
