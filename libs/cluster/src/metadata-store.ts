import type { CollectionSpec, RingState } from '@faceshard/contracts';

/** A small document kept next to the ring (coordinator lease, move progress), with its revision for compare-and-set. */
export interface StoredDoc<T> {
  value: T;
  revision: number;
}

/** Document keys: dot-separated tokens of [A-Za-z0-9_-]. */
export const DOC_KEY_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * Cluster metadata every gateway and shard agrees on: the ring (members + epoch) and the
 * collections. Two implementations: JetStreamMetadataStore (a NATS cluster) and
 * LocalMetadataStore (the embedded single process).
 */
export interface ClusterMetadataStore {
  /**
   * Id of the store's life. A JetStream bucket that was lost and re-created gets a new one:
   * its ring starts again at epoch 0, and a process that sees the incarnation change adopts the
   * new ring even though its epoch is lower (and a shard registers again).
   */
  readonly incarnation: string;
  /** Called after this handle noticed the store was re-created (new incarnation), before ring watchers hear of it. */
  onReincarnation(listener: (incarnation: string) => void): () => void;
  /** The current ring; `{ epoch: 0, members: [] }` before any shard registered. */
  readRing(): Promise<RingState>;
  /** Idempotent. Epoch goes up by exactly one when, and only when, membership changes. Joins at once, moving no data. */
  addMember(shardId: string): Promise<RingState>;
  /** Idempotent, like addMember. Leaves at once, moving no data. */
  removeMember(shardId: string): Promise<RingState>;
  /**
   * A shard starting up: joins at once if the cluster holds no data (no collection, or no
   * member yet), else is recorded `joining` and waits for a move (libs/rebalance). Idempotent.
   */
  registerShard(shardId: string): Promise<RingState>;
  /** Compare-and-set of the ring: `change` gets the current state; returning it unchanged (same object) writes nothing. */
  changeRing(change: (ring: RingState) => RingState): Promise<RingState>;
  /** Called with the current ring at once, then with every new state. Returns the stop function. */
  watchRing(listener: (ring: RingState) => void): Promise<() => void>;
  /**
   * COLLECTION_EXISTS if a different spec exists under that name; idempotent for an identical one.
   * The answer carries the collection's generation: assigned here at creation, strictly
   * increasing per cluster, never reused (a name deleted and created again gets a new one).
   */
  createCollection(spec: CollectionSpec): Promise<CollectionSpec>;
  /**
   * Publishes a collection a shard still holds after the metadata was lost (a new incarnation):
   * recorded with the shard's own generation when the name has no entry at all, so the data the
   * shards kept is served again instead of being replaced by a newer generation. When the name has
   * an entry (created meanwhile, or a deletion tombstone) that entry wins: returns the live spec,
   * or null if the name is deleted.
   */
  adoptCollection(spec: CollectionSpec): Promise<CollectionSpec | null>;
  getCollection(name: string): Promise<CollectionSpec | null>;
  /** Sorted by name. */
  listCollections(): Promise<CollectionSpec[]>;
  /**
   * True if it existed (of that generation, when one is given) and is now gone. Leaves a
   * tombstone {name, generation}: the delete is recorded before any shard drops its part.
   */
  deleteCollection(name: string, generation?: number): Promise<boolean>;
  /** Called after every collection created or deleted (not for what existed before). */
  watchCollections(listener: () => void): Promise<() => void>;
  readDoc<T>(key: string): Promise<StoredDoc<T> | null>;
  /** Compare-and-set: `expectedRevision` null means "only if absent". The new revision, or null if another writer got there first. */
  writeDoc(key: string, value: unknown, expectedRevision: number | null): Promise<number | null>;
  /** Keys under a prefix (e.g. `progress.<moveId>`), sorted. */
  listDocs(prefix: string): Promise<string[]>;
  deleteDoc(key: string): Promise<void>;
  /** Stops this store's watchers. Does not close a connection it was given. */
  close(): Promise<void>;
}
