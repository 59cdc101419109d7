import type { CollectionSpec } from './collection';
import type { Attributes, FaceMeta, IdentityUpsert, SearchHit } from './identity';
import type { ErrorBody } from './errors';

/**
 * The request/reply messages between gateway and shard. Encoded with msgpack: Float32Array
 * travels as raw float bytes, never as a JSON array of numbers.
 */
export interface ShardOps {
  upsert: { req: { collection: CollectionSpec; identities: IdentityUpsert[] } & RingFence; res: { upserted: number; faces: number } };
  delete: { req: { collection: string; identityIds: string[] } & RingFence; res: { deleted: number } };
  get: { req: { collection: string; identityId: string }; res: { identity: StoredIdentity | null } };
  search: {
    req: { collection: string; vector: Float32Array; k: number; minScore?: number; ef?: number };
    res: { hits: SearchHit[] };
  };
  /**
   * Several query vectors in ONE message (all faces of one photo; later: coalesced requests),
   * answered in one reply: hits[i] answers vectors[i], exactly as `search` would.
   */
  searchMany: {
    req: { collection: string; vectors: Float32Array[]; k: number; minScore?: number; ef?: number; filter?: AttributeFilter };
    res: { hits: SearchHit[][] };
  };
  dropCollection: { req: { collection: string }; res: { dropped: boolean } };
  stats: { req: Record<string, never>; res: ShardStats };
}

export type ShardOp = keyof ShardOps;
export type ShardRequest<O extends ShardOp> = ShardOps[O]['req'];
export type ShardResponse<O extends ShardOp> = ShardOps[O]['res'];

/** Reply envelope: a shard never throws across the wire, it answers with an error body. */
export type ShardReply<T> = { ok: true; result: T } | { ok: false; error: ErrorBody };

export interface StoredIdentity {
  identityId: string;
  attributes?: Attributes;
  faceIds: string[];
  /** The faces' metadata, in faceIds order (faces written without metadata have none). */
  faces?: { faceId: string; meta?: FaceMeta }[];
}

/**
 * Identities whose attributes match every key: equal to the value, or one of the values when
 * it is an array. Only scalars (string, number, boolean) compare.
 */
export type AttributeFilter = Record<string, string | number | boolean | (string | number | boolean)[]>;

export interface ShardStats {
  shardId: string;
  collections: { name: string; dimension: number; metric: string; identities: number; faces: number }[];
}

/**
 * Writes carry the ring epoch the gateway placed them with. A shard that already knows a
 * newer epoch refuses the write (RING_CHANGED, retryable) instead of accepting an identity
 * a stale gateway placed by an old ring; the gateway re-reads the ring and places again.
 */
export interface RingFence {
  ringEpoch?: number;
}
