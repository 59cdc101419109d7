import { Inject, Injectable } from '@nestjs/common';
import { FaceshardError, ShardRequest, ShardResponse, ShardStats, type VersionedIdentity } from '@faceshard/contracts';
import type { ShardStore } from '@faceshard/index';
import { assertOwnsAll } from './ownership';
import type { RingView } from './ring-view';
import { searchEfOfShard } from './search-ef';
import { servedIdentities } from './served-identities';
import { RING_VIEW, SHARD_ID, SHARD_STORE } from './shard.tokens';

/** The shard's answers to gateway requests, over its local store. */
@Injectable()
export class ShardService {
  constructor(
    @Inject(SHARD_STORE) private readonly store: ShardStore,
    @Inject(SHARD_ID) private readonly shardId: string,
    @Inject(RING_VIEW) private readonly ring: RingView,
  ) {}

  /**
   * Ownership: the ring is re-read (shared with concurrent writes) after the request arrived, and
   * each identity is checked against it under the store's write lock, so a write placed by a ring
   * older than one committed before it got here is refused (RING_CHANGED), never stored.
   */
  async upsert(req: ShardRequest<'upsert'>): Promise<ShardResponse<'upsert'>> {
    await this.ring.catchUp();
    // The gateway sends the collection's spec with every write, so a shard never needs a
    // separate "create" round: a new shard (or one that missed the create) catches up here.
    // The generation travels with the spec: a dropped one is refused, a newer one replaces a ghost.
    this.assertOwns(req.identities.map((identity) => identity?.identityId), req.ringEpoch, req.returnCopies); // before creating anything
    await this.store.ensureCollection(req.collection);
    const written = await this.store.upsert(req.collection.name, req.identities, {
      generation: req.collection.generation ?? 0,
      guard: (ids) => this.assertOwns(ids, req.ringEpoch, req.returnCopies),
    });
    if (!req.returnCopies) return written;
    return { ...written, copies: this.copiesOf(req.collection.name, req.identities.map((identity) => identity.identityId)) };
  }

  /**
   * What this shard holds now for these ids, versioned (a later write may already have replaced
   * the one just made: its copy is newer, which is what the new owner must get anyway).
   */
  private copiesOf(collection: string, identityIds: string[]): VersionedIdentity[] {
    return [...new Set(identityIds)].map((id) => this.store.exportVersioned(collection, id)).filter((copy) => copy !== null);
  }

  async delete(req: ShardRequest<'delete'>): Promise<ShardResponse<'delete'>> {
    await this.ring.catchUp();
    // Nothing of that generation here: nothing to delete (unless a tombstone is wanted, which needs the collection).
    if (!this.store.hasCollection(req.collection, req.generation)) {
      this.assertOwns(req.identityIds, req.ringEpoch, req.returnCopies);
      this.refuseDroppedGeneration(req.collection, req.generation);
      return { deleted: 0 };
    }
    const deleted = await this.store.deleteIdentities(req.collection, req.identityIds, {
      generation: req.generation,
      tombstoneAbsent: req.tombstoneAbsent,
      guard: (ids) => this.assertOwns(ids, req.ringEpoch, req.returnCopies),
    });
    return req.returnCopies ? { deleted, copies: this.copiesOf(req.collection, req.identityIds) } : { deleted };
  }

  /**
   * For a coordinator that committed a ring: resolves once this shard knows a ring at least as new
   * as `epoch` and every write it checked against an older ring has been applied. After every shard
   * answered, no write placed by an older ring can still be accepted anywhere.
   */
  async ringBarrier(req: ShardRequest<'ringBarrier'>): Promise<ShardResponse<'ringBarrier'>> {
    if (this.ring.epoch < req.epoch) await this.ring.catchUp();
    if (this.ring.epoch < req.epoch) {
      throw new FaceshardError('RING_CHANGED', `shard ${this.shardId} reads ring epoch ${this.ring.epoch}, not yet ${req.epoch}`, { currentEpoch: this.ring.epoch });
    }
    await this.store.writeBarrier();
    return { epoch: this.ring.epoch };
  }

  get(req: ShardRequest<'get'>): ShardResponse<'get'> {
    if (!this.store.hasCollection(req.collection, req.generation)) return { identity: null };
    const identity = this.store.getIdentity(req.collection, req.identityId);
    if (identity && req.withVectors) identity.vectors = this.store.exportIdentity(req.collection, req.identityId)?.faces.map((face) => face.vector) ?? [];
    return { identity };
  }

  search(req: ShardRequest<'search'>): ShardResponse<'search'> {
    // A shard that never received a write for this collection (of this generation: data of a
    // deleted one is never served) simply has nothing to say.
    if (!this.store.hasCollection(req.collection, req.generation)) return { hits: [] };
    if (!(req.vector instanceof Float32Array)) {
      throw new FaceshardError('INVALID_VECTOR', 'search vector must arrive as a Float32Array');
    }
    const ef = this.searchEf(req.ef);
    const admitsIdentity = servedIdentities(this.ring.current, this.shardId);
    const hits = this.store.search(req.collection, req.vector, req.k, { minScore: req.minScore, ef, admitsIdentity });
    for (const hit of hits) hit.shardId = this.shardId;
    return { hits, ef };
  }

  /**
   * All query vectors of one message (every face of a photo, or searches the gateway coalesced)
   * in one reply; each vector with the shared parameters or, when `params` is given, its own.
   */
  searchMany(req: ShardRequest<'searchMany'>): ShardResponse<'searchMany'> {
    if (!Array.isArray(req.vectors) || req.vectors.some((v) => !(v instanceof Float32Array))) {
      throw new FaceshardError('INVALID_VECTOR', 'searchMany vectors must arrive as Float32Arrays');
    }
    if (req.params !== undefined && !(Array.isArray(req.params) && req.params.length === req.vectors.length && req.params.every((p) => typeof p === 'object' && p !== null))) {
      throw new FaceshardError('VALIDATION_FAILED', 'searchMany params must hold one object per vector');
    }
    if (!this.store.hasCollection(req.collection, req.generation)) return { hits: req.vectors.map(() => []) };
    const efs = req.vectors.map((_, i) => this.searchEf((req.params?.[i] ?? req).ef));
    const admitsIdentity = servedIdentities(this.ring.current, this.shardId);
    const hits = req.vectors.map((vector, i) => {
      const p = req.params?.[i] ?? req;
      return this.store.search(req.collection, vector, p.k, { minScore: p.minScore, ef: efs[i], filter: p.filter, admitsIdentity });
    });
    for (const hit of hits.flat()) hit.shardId = this.shardId;
    return { hits, efs };
  }

  /** Sorts the ids on every call (O(n log n)): fine for paging through an admin UI, not for a hot path. */
  listIdentities(req: ShardRequest<'listIdentities'>): ShardResponse<'listIdentities'> {
    if (!this.store.hasCollection(req.collection, req.generation)) return { identities: [] };
    const after = req.after;
    const sorted = this.store
      .identityIds(req.collection)
      .filter((id) => after === undefined || id > after)
      .sort();
    // Asked only of the ids the page walks over (a ring lookup each), not of every id held.
    const serves = servedIdentities(this.ring.current, this.shardId);
    const ids: string[] = [];
    for (const id of sorted) {
      if (ids.length >= req.limit) break;
      if (serves === undefined || serves(id)) ids.push(id);
    }
    const identities = ids.flatMap((identityId) => {
      const stored = this.store.getIdentity(req.collection, identityId);
      if (!stored) return [];
      return [stored.attributes === undefined ? { identityId, faces: stored.faceIds.length } : { identityId, faces: stored.faceIds.length, attributes: stored.attributes }];
    });
    return { identities };
  }

  async dropCollection(req: ShardRequest<'dropCollection'>): Promise<ShardResponse<'dropCollection'>> {
    return { dropped: await this.store.dropCollection(req.collection, req.generation) };
  }

  /** Receiver side of a move / catch-up: newest version wins, per identity. */
  async applyVersioned(req: ShardRequest<'applyVersioned'>): Promise<ShardResponse<'applyVersioned'>> {
    await this.store.ensureCollection(req.collection);
    return this.store.applyVersioned(req.collection.name, req.entries, { generation: req.collection.generation ?? 0 });
  }

  async purgeTombstones(req: ShardRequest<'purgeTombstones'>): Promise<ShardResponse<'purgeTombstones'>> {
    if (!this.store.hasCollection(req.collection, req.generation)) return { purged: 0 };
    return { purged: await this.store.purgeTombstones(req.collection, req.identityIds, { generation: req.generation }) };
  }

  stats(): ShardStats {
    return { shardId: this.shardId, collections: this.store.stats(), storage: this.store.storageStatus() };
  }

  /** An operator's check of this shard's state against its own snapshot + log (see ShardStore.integrityCheck). */
  integrityCheck(req: ShardRequest<'integrityCheck'>): Promise<ShardResponse<'integrityCheck'>> {
    if (req.collection !== undefined && typeof req.collection !== 'string') throw new FaceshardError('VALIDATION_FAILED', 'collection must be a string');
    if (req.ef !== undefined && !(Number.isInteger(req.ef) && req.ef >= 1 && req.ef <= 100_000)) throw new FaceshardError('VALIDATION_FAILED', 'ef must be an integer in 1..100000');
    return this.store.integrityCheck({ collection: req.collection, repair: req.repair === true, ef: req.ef });
  }

  /** The request's whole-collection ef (or the configured default) scaled to this shard's share: see search-ef.ts. */
  private searchEf(requested: number | undefined): number {
    return searchEfOfShard(requested, this.store.defaultEf, this.ring.current.members.length);
  }

  /** `copiesAsked`: the caller applies the written copies on the new owners of moving ids (see assertOwnsAll). */
  private assertOwns(identityIds: readonly string[], requestEpoch: number | undefined, copiesAsked?: boolean): void {
    if (!Array.isArray(identityIds)) throw new FaceshardError('VALIDATION_FAILED', 'identities must be an array');
    assertOwnsAll(this.ring.current, this.shardId, identityIds, requestEpoch, copiesAsked === true);
  }

  /** A delete for a generation this shard has dropped is as stale as a write for it. */
  private refuseDroppedGeneration(name: string, generation: number | undefined): void {
    if (generation !== undefined && generation > 0 && generation <= this.store.droppedGeneration(name)) {
      throw new FaceshardError('COLLECTION_NOT_FOUND', `collection ${name} (generation ${generation}) was deleted`, { generation });
    }
  }
}
