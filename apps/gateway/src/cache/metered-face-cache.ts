import type { CacheMetricsSink } from '@faceshard/observability';
import type { CacheStatus, FaceCache } from './face-cache';

/** Counts hits and misses of the reads; everything else passes through. Failed calls are counted by the cache that sees them (Redis). */
export class MeteredFaceCache implements FaceCache {
  constructor(
    private readonly inner: FaceCache,
    private readonly metrics: CacheMetricsSink,
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.counted(await this.inner.get(key));
  }

  set(key: string, value: Uint8Array): Promise<void> {
    return this.inner.set(key, value);
  }

  async getInGroup(group: string, field: string): Promise<Uint8Array | undefined> {
    return this.counted(await this.inner.getInGroup(group, field));
  }

  setInGroup(group: string, field: string, value: Uint8Array): Promise<void> {
    return this.inner.setInGroup(group, field, value);
  }

  invalidate(group: string): Promise<void> {
    return this.inner.invalidate(group);
  }

  status(): CacheStatus {
    return this.inner.status();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private counted(value: Uint8Array | undefined): Uint8Array | undefined {
    this.metrics.lookup(value === undefined ? 'miss' : 'hit');
    return value;
  }
}
