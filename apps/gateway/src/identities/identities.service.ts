import { Inject, Injectable, Optional } from '@nestjs/common';
import { CollectionSpec, ErrorBody, FaceshardError, IdentityUpsert, type ShardResponse, type VersionedIdentity } from '@faceshard/contracts';
import { copiesByFollower, splitWriteOwners } from './move-copies';
import type { RingRouting } from '@faceshard/rebalance';
import { contentFaceId } from '../common/content-id';
import { checkName } from '../common/ids';
import { IdentityEvents } from '../common/identity-events';
import { readVector } from '../common/vector-input';
import type { GatewayConfig } from '../config/gateway-config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { CollectionsService } from '../collections/collections.service';
import { RingService } from '../cluster/ring.service';
import { ShardClient } from '../cluster/shard-client.service';
import type { BatchIdentityDto, UpsertIdentityDto } from './identity.dto';
import { encode } from '@faceshard/messaging';
import { checkAttributes } from '../common/attributes';
import { chunkBySize } from './chunk-by-size';

export interface BatchResult {
  upserted: number;
  faces: number;
  /** Identities not written, with the reason; the rest of the batch is durable. */
  failed: { identityId: string; error: ErrorBody }[];
  ringEpoch: number;
}

/** Writes and reads of identities: each goes to the one shard the ring names as owner. */
@Injectable()
export class IdentitiesService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly collections: CollectionsService,
    private readonly ring: RingService,
    private readonly shards: ShardClient,
    @Optional() private readonly events?: IdentityEvents,
  ) {}

  async upsert(collectionName: string, identityId: string, dto: UpsertIdentityDto) {
    const collection = await this.collections.require(collectionName);
    const identity = toIdentityUpsert(collection, { ...dto, identityId }, this.config);
    return this.write(collection, identity);
  }

  /** One identity's write to its owner shard(s) (re-placed once if the ring moved), then the change is announced. */
  async write(collection: CollectionSpec, identity: IdentityUpsert) {
    const size = encode(identity).byteLength;
    if (size > this.shards.identityBytesPerMessage()) throw identityTooLarge(identity.identityId, size, this.shards.identityBytesPerMessage());
    const written = await this.placed(async (ring) => {
      // During a move: the old owner writes and versions it, the new owner applies that copy.
      const { first, followers } = splitWriteOwners(ring, identity.identityId);
      const result = await this.shards.write(first, 'upsert', { collection, identities: [identity], ringEpoch: ring.epoch, ...(followers.length > 0 ? { returnCopies: true } : {}) });
      if (followers.length > 0) await this.forwardCopiesOrThrow(collection, ring, result.copies ?? []);
      return { identityId: identity.identityId, faces: result.faces, shardId: first, ringEpoch: ring.epoch };
    });
    await this.events?.changed(collection.name, [identity.identityId]);
    return written;
  }

  /**
   * Validates the whole batch before writing any of it (a bad entry rejects the request),
   * then writes each owner shard's part in parallel. A shard that fails fails only its part.
   */
  async upsertBatch(collectionName: string, entries: BatchIdentityDto[]): Promise<BatchResult> {
    if (entries.length > this.config.maxBatch) {
      throw new FaceshardError('BATCH_TOO_LARGE', `a batch holds at most ${this.config.maxBatch} identities, got ${entries.length}`, {
        max: this.config.maxBatch,
      });
    }
    const collection = await this.collections.require(collectionName);
    const identities = entries.map((entry, i) => toIdentityUpsert(collection, entry, this.config, `identities[${i}]`));
    const seen = new Set<string>();
    for (const identity of identities) {
      if (seen.has(identity.identityId)) {
        throw new FaceshardError('VALIDATION_FAILED', `identity "${identity.identityId}" appears twice in the batch`);
      }
      seen.add(identity.identityId);
    }

    const ring = this.ring.current();
    const result: BatchResult = { upserted: 0, faces: 0, failed: [], ringEpoch: ring.epoch };
    const stale = await this.writeByOwner(collection, identities, ring, result);
    if (stale.length > 0) {
      // Some shard knows a newer ring than this gateway: catch up, place those again, once.
      const fresh = await this.ring.refresh();
      result.ringEpoch = fresh.epoch;
      const stillStale = await this.writeByOwner(collection, stale, fresh, result);
      for (const identity of stillStale) result.failed.push({ identityId: identity.identityId, error: ringChanged().toJSON() });
    }
    await this.events?.changed(collection.name, identities.map((identity) => identity.identityId));
    return result;
  }

  /**
   * Writes each owner's part in parallel; returns the identities a shard refused as placed by a
   * stale ring. During a move an identity has two owners (old and new ring): the old owner takes
   * the write and assigns its version, then the new owner applies that copy (see move-copies.ts);
   * it counts as written only when both acknowledged it, so an acknowledged write is on whichever
   * owner reads will use, with the same version on both.
   */
  private async writeByOwner(collection: CollectionSpec, identities: IdentityUpsert[], ring: RingRouting, result: BatchResult) {
    const byOwner = new Map<string, IdentityUpsert[]>();
    for (const identity of identities) {
      const { first } = splitWriteOwners(ring, identity.identityId);
      const group = byOwner.get(first);
      if (group) group.push(identity);
      else byOwner.set(first, [identity]);
    }
    const moving = ring.writes.length > 1;
    const failures = new Map<string, FaceshardError>();
    const fail = (ids: string[], failure: FaceshardError) => {
      // A stale placement wins over other failures: the identity is placed again.
      for (const id of ids) if (failures.get(id)?.code !== 'RING_CHANGED') failures.set(id, failure);
    };
    // During a move the reply carries the written copies: half the budget leaves room for them.
    const budget = moving ? Math.floor(this.shards.identityBytesPerMessage() / 2) : this.shards.identityBytesPerMessage();
    const sizes = new Map(identities.map((identity) => [identity, encode(identity).byteLength]));
    const messages = [...byOwner].flatMap(([shardId, group]) => {
      const { chunks, oversize } = chunkBySize(group, (identity) => sizes.get(identity)!, budget);
      for (const identity of oversize) failures.set(identity.identityId, identityTooLarge(identity.identityId, sizes.get(identity)!, budget));
      return chunks.map((part) => [shardId, part] as const);
    });
    await Promise.all(
      messages.map(async ([shardId, part]) => {
        let written: ShardResponse<'upsert'>;
        try {
          written = await this.shards.write(shardId, 'upsert', { collection, identities: part, ringEpoch: ring.epoch, ...(moving ? { returnCopies: true } : {}) });
        } catch (error) {
          fail(
            part.map((identity) => identity.identityId),
            asFaceshardError(error),
          );
          return;
        }
        // Only the moving identities of the part wait for their new owner (and fail with it).
        if (moving) for (const [id, failure] of await this.forwardCopies(collection, ring, written.copies ?? [])) fail([id], failure);
      }),
    );
    const stale: IdentityUpsert[] = [];
    for (const identity of identities) {
      const failure = failures.get(identity.identityId);
      if (failure === undefined) {
        result.upserted += 1;
        result.faces += identity.faces.length;
      } else if (failure.code === 'RING_CHANGED') stale.push(identity);
      else result.failed.push({ identityId: identity.identityId, error: failure.toJSON() });
    }
    return stale;
  }

  /**
   * Applies the old owner's copies on the new owner(s): the second half of a write during a move.
   * Returns the ids whose copy a new owner did not acknowledge, with why.
   */
  private async forwardCopies(collection: CollectionSpec, ring: RingRouting, copies: VersionedIdentity[]): Promise<Map<string, FaceshardError>> {
    const failed = new Map<string, FaceshardError>();
    const messages = copiesByFollower(ring, copies, this.shards.identityBytesPerMessage());
    await Promise.all(
      messages.map(async ({ shardId, entries }) => {
        try {
          await this.shards.write(shardId, 'applyVersioned', { collection, entries, ringEpoch: ring.epoch });
        } catch (error) {
          for (const entry of entries) failed.set(entry.identityId, asFaceshardError(error));
        }
      }),
    );
    return failed;
  }

  /** forwardCopies for a single write: the first failure is the write's. */
  private async forwardCopiesOrThrow(collection: CollectionSpec, ring: RingRouting, copies: VersionedIdentity[]): Promise<void> {
    const [failure] = (await this.forwardCopies(collection, ring, copies)).values();
    if (failure) throw failure;
  }

  async get(collectionName: string, identityId: string) {
    const collection = await this.collections.require(collectionName);
    checkName('identity', identityId);
    const shardId = this.ring.current().ownerOf(identityId);
    const { identity } = await this.shards.read(shardId, 'get', { collection: collectionName, generation: collection.generation, identityId });
    if (!identity) throw new FaceshardError('IDENTITY_NOT_FOUND', `no identity "${identityId}" in collection "${collectionName}"`);
    return { ...identity, shardId };
  }

  async delete(collectionName: string, identityId: string) {
    const collection = await this.collections.require(collectionName);
    checkName('identity', identityId);
    const { deleted, shardId } = await this.placed(async (ring) => {
      // During a move both owners must forget it (the read owner's answer says whether it existed).
      // The new owner may not hold it yet while a streamed copy is on its way: it keeps a
      // tombstone anyway, so that copy (older) can never bring the identity back.
      // The old owner deletes and versions the tombstone; the new owner applies that tombstone
      // (it may not hold the identity yet: the tombstone stops a streamed copy on its way).
      const { first, followers } = splitWriteOwners(ring, identityId);
      const moving = followers.length > 0;
      const answer = await this.shards.write(first, 'delete', {
        collection: collectionName,
        generation: collection.generation,
        identityIds: [identityId],
        ringEpoch: ring.epoch,
        ...(moving ? { tombstoneAbsent: true, returnCopies: true } : {}),
      });
      if (moving) await this.forwardCopiesOrThrow(collection, ring, answer.copies ?? []);
      return { deleted: answer.deleted, shardId: first };
    });
    await this.events?.changed(collectionName, [identityId]);
    if (deleted === 0) throw new FaceshardError('IDENTITY_NOT_FOUND', `no identity "${identityId}" in collection "${collectionName}"`);
    return { deleted: true, shardId };
  }

  /**
   * Runs a write placed by this gateway's ring. If the shard knows a newer ring (RING_CHANGED),
   * re-reads the ring from the metadata store and places the write once more.
   */
  private async placed<T>(write: (ring: RingRouting) => Promise<T>): Promise<T> {
    try {
      return await write(this.ring.current());
    } catch (error) {
      if (!(error instanceof FaceshardError) || error.code !== 'RING_CHANGED') throw error;
      return write(await this.ring.refresh());
    }
  }
}

function toIdentityUpsert(collection: CollectionSpec, dto: BatchIdentityDto, limits: { maxAttributesBytes: number }, where = 'identity'): IdentityUpsert {
  const identityId = checkName('identity', dto.identityId);
  checkAttributes(dto.attributes, limits.maxAttributesBytes, where);
  const faceIds = new Set<string>();
  const faces: IdentityUpsert['faces'] = [];
  dto.faces.forEach((face, i) => {
    const vector = readVector(face, collection, `${where}.faces[${i}]`);
    if (face.faceId === undefined) {
      // Idempotent: the id comes from the vector, so a retry stores this face once. The same
      // vector twice in one request is one face.
      const faceId = contentFaceId(vector);
      if (!faceIds.has(faceId)) faces.push({ faceId, vector });
      faceIds.add(faceId);
      return;
    }
    const faceId = checkName('face', face.faceId);
    if (faceIds.has(faceId)) throw new FaceshardError('VALIDATION_FAILED', `${where}: face id "${faceId}" appears twice`);
    faceIds.add(faceId);
    faces.push({ faceId, vector });
  });
  return { identityId, attributes: dto.attributes, faces, mode: dto.mode ?? 'replace' };
}

function identityTooLarge(identityId: string, bytes: number, maxBytes: number): FaceshardError {
  return new FaceshardError(
    'IDENTITY_TOO_LARGE',
    `identity "${identityId}" encodes to ${bytes} bytes, over the ${maxBytes} bytes one shard message carries: send fewer faces per request (append the rest)`,
    { identityId, bytes, maxBytes },
  );
}

function ringChanged(): FaceshardError {
  return new FaceshardError('RING_CHANGED', 'the ring changed twice while this write was placed; retry');
}

function asFaceshardError(error: unknown): FaceshardError {
  return error instanceof FaceshardError ? error : new FaceshardError('INTERNAL', String((error as Error)?.message ?? error));
}
