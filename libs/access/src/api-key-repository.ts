import type { StoredApiKey } from './api-key';

/** One change of the key set: a key stored (or updated), or a key gone (`key` null). */
export type ApiKeyChange = { id: string; key: StoredApiKey | null };

/**
 * Where API keys live: the cluster metadata. JetStreamApiKeyRepository for a NATS cluster (every
 * gateway sees every key), LocalApiKeyRepository for the embedded single process.
 */
export interface ApiKeyRepository {
  /** Stores a new key. False (and nothing changed) if a key with that id exists. */
  create(key: StoredApiKey): Promise<boolean>;
  get(id: string): Promise<StoredApiKey | null>;
  /** Sorted by creation time, then id. */
  list(): Promise<StoredApiKey[]>;
  /** True if it existed (and is now gone). */
  delete(id: string): Promise<boolean>;
  /** Records a use. Never brings back a deleted key; a lost race is simply dropped. */
  touch(id: string, lastUsed: string): Promise<void>;
  /** Whether the one-time first admin key has ever been issued on this cluster. */
  firstKeyIssued(): Promise<boolean>;
  /** Claims the one-time first key: true for exactly one caller, ever, across all processes. */
  claimFirstKey(id: string): Promise<boolean>;
  /**
   * Delivers every existing key, then every change, in order; resolves once the existing
   * keys have been delivered. Returns the stop function.
   */
  watch(listener: (change: ApiKeyChange) => void): Promise<() => void>;
  /** Stops this repository's watchers. Does not close a connection it was given. */
  close(): Promise<void>;
}

export function byCreation(a: StoredApiKey, b: StoredApiKey): number {
  return a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
