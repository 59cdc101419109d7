/** How the cache is doing, for /health and /v1/cluster. */
export interface CacheStatus {
  kind: 'redis' | 'memory' | 'off';
  /** ok: serving; degraded: unreachable or slow, requests go on without it; off: configured off. */
  state: 'ok' | 'degraded' | 'off';
  detail?: string;
}

/**
 * The face API's cache: photo analyses by key, and small groups of values that belong to one
 * identity and are dropped together when it changes. Every method answers within the cache's
 * bounded wait: a cache that is down or slow is a miss (and a degraded status), never an error.
 */
export interface FaceCache {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  getInGroup(group: string, field: string): Promise<Uint8Array | undefined>;
  setInGroup(group: string, field: string, value: Uint8Array): Promise<void>;
  /** Drops the whole group (e.g. everything cached about one identity). */
  invalidate(group: string): Promise<void>;
  status(): CacheStatus;
  close(): Promise<void>;
}

/** FACE_CACHE=off: every read misses. */
export class NoFaceCache implements FaceCache {
  async get(): Promise<undefined> {
    return undefined;
  }
  async set(): Promise<void> {}
  async getInGroup(): Promise<undefined> {
    return undefined;
  }
  async setInGroup(): Promise<void> {}
  async invalidate(): Promise<void> {}
  status(): CacheStatus {
    return { kind: 'off', state: 'off' };
  }
  async close(): Promise<void> {}
}
