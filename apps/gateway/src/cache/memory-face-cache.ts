import { LRUCache } from 'lru-cache';
import type { CacheStatus, FaceCache } from './face-cache';

/** The embedded default: an in-process LRU with a TTL, no Redis. Groups are one entry holding a map. */
export class MemoryFaceCache implements FaceCache {
  private readonly entries: LRUCache<string, Uint8Array>;
  private readonly groups: LRUCache<string, Map<string, Uint8Array>>;

  constructor(options: { maxEntries: number; ttlS: number }) {
    this.entries = new LRUCache({ max: options.maxEntries, ttl: options.ttlS * 1000 });
    this.groups = new LRUCache({ max: options.maxEntries, ttl: options.ttlS * 1000 });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    this.entries.set(key, value);
  }

  async getInGroup(group: string, field: string): Promise<Uint8Array | undefined> {
    return this.groups.get(group)?.get(field);
  }

  async setInGroup(group: string, field: string, value: Uint8Array): Promise<void> {
    const fields = this.groups.get(group) ?? new Map<string, Uint8Array>();
    fields.set(field, value);
    this.groups.set(group, fields);
  }

  async invalidate(group: string): Promise<void> {
    this.groups.delete(group);
  }

  status(): CacheStatus {
    return { kind: 'memory', state: 'ok', detail: `${this.entries.size} photos, ${this.groups.size} identities` };
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.groups.clear();
  }
}
