import type { CollectionSpec, RingState } from '@faceshard/contracts';

/**
 * Cluster metadata every gateway and shard agrees on: the ring (members + epoch) and the
 * collections. Two implementations: JetStreamMetadataStore (a NATS cluster) and
 * LocalMetadataStore (the embedded single process).
 */
export interface ClusterMetadataStore {
  /** The current ring; `{ epoch: 0, members: [] }` before any shard registered. */
  readRing(): Promise<RingState>;
  /** Idempotent. Epoch goes up by exactly one when, and only when, membership changes. */
  addMember(shardId: string): Promise<RingState>;
  /** Idempotent, like addMember. */
  removeMember(shardId: string): Promise<RingState>;
  /** Called with the current ring at once, then with every new state. Returns the stop function. */
  watchRing(listener: (ring: RingState) => void): Promise<() => void>;
  /** COLLECTION_EXISTS if a different spec exists under that name; idempotent for an identical one. */
  createCollection(spec: CollectionSpec): Promise<CollectionSpec>;
  getCollection(name: string): Promise<CollectionSpec | null>;
  /** Sorted by name. */
  listCollections(): Promise<CollectionSpec[]>;
  /** True if it existed (and is now gone). */
  deleteCollection(name: string): Promise<boolean>;
  /** Called after every collection created or deleted (not for what existed before). */
  watchCollections(listener: () => void): Promise<() => void>;
  /** Stops this store's watchers. Does not close a connection it was given. */
  close(): Promise<void>;
}
