import type { CollectionSpec } from './collection';
import type { Attributes, FaceMeta, IdentityUpsert, SearchHit, VersionedIdentity } from './identity';
import type { ErrorBody } from './errors';
import type { ShardIntegrityReport } from './integrity';

/**
 * The request/reply messages between gateway and shard. Encoded with msgpack: Float32Array
 * travels as raw float bytes, never as a JSON array of numbers.
 */
export interface ShardOps {
  /**
   * returnCopies (during a move, sent to the OLD owner): the reply also carries each written
   * identity as this shard now holds it, with the version it assigned, for the gateway to apply
   * on the new owner (applyVersioned): both copies then hold the same version.
   */
  upsert: {
    req: { collection: CollectionSpec; identities: IdentityUpsert[]; returnCopies?: boolean } & RingFence;
    res: { upserted: number; faces: number; copies?: VersionedIdentity[] };
  };
  delete: {
    req: {
      collection: string;
      identityIds: string[];
      /** Leave a tombstone even for ids this shard does not hold (a copy may still be on its way here). */
      tombstoneAbsent?: boolean;
      /** As for upsert: the reply carries the tombstones (with their versions) for the new owner. */
      returnCopies?: boolean;
    } & RingFence &
      GenerationFence;
    res: { deleted: number; copies?: VersionedIdentity[] };
  };
  /** withVectors: also the faces' stored vectors (normalised for cosine), e.g. for 1:1 verify against an identity. */
  get: { req: { collection: string; identityId: string; withVectors?: boolean } & GenerationFence; res: { identity: StoredIdentity | null } };
  search: {
    /** ef: the whole collection's (libs/query/src/shard-ef.ts); the reply's ef is the one this shard used (absent: it holds nothing of the collection). */
    req: { collection: string; vector: Float32Array; k: number; minScore?: number; ef?: number } & GenerationFence;
    res: { hits: SearchHit[]; ef?: number };
  };
  /**
   * Several query vectors in ONE message (all faces of one photo, and concurrent searches the
   * gateway coalesced: apps/gateway/src/fan-out), answered in one reply: hits[i] answers
   * vectors[i], exactly as `search` would with its parameters. The top-level parameters apply
   * to every vector unless `params` is present: then params[i] (one per vector) is vector i's
   * own k/minScore/ef/filter, so queries that ask different things still share one message.
   */
  searchMany: {
    req: { collection: string; vectors: Float32Array[]; params?: SearchParams[] } & SearchParams & GenerationFence;
    /** efs[i]: the ef this shard used for vectors[i] (as search's ef). */
    res: { hits: SearchHit[][]; efs?: number[] };
  };
  /** A page of the shard's identities in id order, after `after` (exclusive): the gateway merges pages into a cursor. */
  listIdentities: {
    req: { collection: string; after?: string; limit: number } & GenerationFence;
    res: { identities: IdentitySummary[] };
  };
  /** Drops the collection's data for this generation (and older) and remembers the generation as dropped. */
  dropCollection: { req: { collection: string } & GenerationFence; res: { dropped: boolean } };
  /**
   * Versioned copies of identities (moves, replica catch-up): each entry is kept only if it is
   * newer than what this shard holds. Creates the collection (of that generation) if needed.
   */
  applyVersioned: {
    req: { collection: CollectionSpec; entries: VersionedIdentity[] } & RingFence;
    res: { applied: number; skipped: number };
  };
  /**
   * After a ring change is committed: answers once the shard reads a ring at least as new as
   * `epoch` and no write it checked against an older ring is still being applied.
   */
  ringBarrier: { req: { epoch: number }; res: { epoch: number } };
  /** Forgets tombstones once every copy agrees (rebalancing finalisation, GC); never implicit. */
  purgeTombstones: { req: { collection: string; identityIds: string[] } & GenerationFence; res: { purged: number } };
  stats: { req: Record<string, never>; res: ShardStats };
  /**
   * Source side of a move (libs/rebalance): the next chunk of this shard's identities and
   * tombstones that the move gives to other shards, in identity-id order after `after`, each
   * with its target and version. Bounded by `maxEntries` and by `maxBytes` of vectors and
   * attributes, so a chunk fits NATS's payload limit. `total`: how many entries move in all.
   */
  exportChunk: {
    req: { collection: string; move: { id: string; from: string[]; to: string[] }; after: string | null; maxEntries: number; maxBytes: number } & RingFence &
      GenerationFence;
    res: { entries: { target: string; entry: VersionedIdentity }[]; last: string | null; done: boolean; total: number };
  };
  /**
   * Finalising a move on a source: forgets every identity and tombstone that the ring of
   * `members` does not place on this shard (the receivers hold them durably by then).
   */
  dropMoved: { req: { collection: string; members: string[] } & GenerationFence; res: { dropped: number } };
  /** Verifies the shard's state against its own snapshot + log (see libs/index/src/integrity); `repair` rebuilds what disagrees. */
  integrityCheck: { req: { collection?: string; repair?: boolean; ef?: number }; res: ShardIntegrityReport };
  /** Records a CPU profile (for `seconds`) or a heap snapshot of the shard process into its data folder; fetched with profileChunk. */
  profile: { req: { kind: 'cpu' | 'heap'; seconds?: number }; res: { profileId: string; bytes: number } };
  /** Part of a recorded profile; the shard removes the file once the last part was read (done). */
  profileChunk: { req: { profileId: string; offset: number; maxBytes: number }; res: { data: Uint8Array; done: boolean } };
}

export type ShardOp = keyof ShardOps;
export type ShardRequest<O extends ShardOp> = ShardOps[O]['req'];
export type ShardResponse<O extends ShardOp> = ShardOps[O]['res'];

/**
 * Request envelope: every gateway -> shard message is `{req, timeoutMs}`. timeoutMs is how
 * long the caller will still wait; the shard turns it into a deadline on its own monotonic
 * clock when the message arrives (no cross-machine clock comparison), and drops work whose
 * deadline passed before it could start (DEADLINE_EXCEEDED): see the shard's admission gates.
 * requestId is the gateway's request id (x-request-id), so that the shard's log lines carry it:
 * in the envelope rather than in a NATS header block, which cost ~7 µs to build and parse per
 * message on the search path (a shard still reads the header an older gateway sends).
 */
export interface RequestEnvelope<T = unknown> {
  req: T;
  timeoutMs?: number;
  requestId?: string;
}

/** Reply envelope: a shard never throws across the wire, it answers with an error body. */
export type ShardReply<T> = { ok: true; result: T } | { ok: false; error: ErrorBody };

export interface StoredIdentity {
  identityId: string;
  attributes?: Attributes;
  faceIds: string[];
  /** The faces' metadata, in faceIds order (faces written without metadata have none). */
  faces?: { faceId: string; meta?: FaceMeta }[];
  /** Only when asked (get withVectors): the faces' vectors, in faceIds order. */
  vectors?: Float32Array[];
}

export interface IdentitySummary {
  identityId: string;
  faces: number;
  attributes?: Attributes;
}

/** What one query asks of a shard besides its vector. */
export interface SearchParams {
  k: number;
  minScore?: number;
  ef?: number;
  filter?: AttributeFilter;
}

/**
 * Identities whose attributes match every key: equal to the value, or one of the values when
 * it is an array. Only scalars (string, number, boolean) compare.
 */
export type AttributeFilter = Record<string, string | number | boolean | (string | number | boolean)[]>;

export interface ShardStats {
  shardId: string;
  /** revivedFaces: faces brought back by unmarkDelete instead of inserted, since the shard process started (absent: an older shard). */
  collections: { name: string; dimension: number; metric: string; identities: number; faces: number; revivedFaces?: number }[];
  /**
   * Whether the shard takes writes (absent: an older shard). `ok`; `reloading` its state from disk
   * after a failed log write; `paused` (writes failed again right after a reload, e.g. a disk still
   * full); `failed` (a reload failed and is retried). `detail` says why; `reloads` counts since start.
   */
  storage?: { state: 'ok' | 'reloading' | 'paused' | 'failed'; detail?: string; reloads: number };
}

/**
 * Writes carry the ring epoch the gateway placed them with. Under its write lock the shard
 * checks, per identity, that it owns the id by the newest ring it knows (and it catches up with
 * the metadata store first, so a ring committed before the request arrived is always known); an
 * id it does not own is refused (RING_CHANGED, retryable, details carry the shard's epoch); the
 * gateway re-reads the ring and places again.
 */
export interface RingFence {
  ringEpoch?: number;
}

/**
 * Requests about a collection by name carry the generation the gateway knows it by. A shard
 * answers for that generation only: data of an older (deleted) generation is never served or
 * written to, and a write for a generation the shard has dropped is COLLECTION_NOT_FOUND.
 * Absent: whatever generation the shard holds (data and callers from before generations).
 */
export interface GenerationFence {
  generation?: number;
}
