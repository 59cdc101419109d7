import Redis from 'ioredis';
import { NO_CACHE_METRICS, type CacheMetricsSink } from '@faceshard/observability';
import type { CacheStatus, FaceCache } from './face-cache';

export interface RedisFaceCacheOptions {
  url: string;
  ttlS: number;
  /** Longest wait for any one cache call; past it the call counts as a miss. */
  timeoutMs: number;
  /** Namespaces keys, so clusters sharing one Redis never read each other's entries. */
  prefix: string;
  /** Counts calls that failed or outlasted the bounded wait (outcome `error`). */
  metrics?: CacheMetricsSink;
}

/** A failure this recent keeps the status degraded even if the connection looks ready. */
const DEGRADED_FOR_MS = 5_000;

/**
 * The cluster's shared cache in Redis. Commands are never queued while Redis is unreachable
 * (enableOfflineQueue: false: they fail at once), and each call is raced against a timeout,
 * so a down or slow Redis costs a request at most `timeoutMs`.
 *
 * Invalidation must not be lost: a group whose DEL failed is remembered, its reads miss, and
 * the DEL is retried before any group is read again.
 */
export class RedisFaceCache implements FaceCache {
  private readonly redis: Redis;
  private lastFailure: { atMs: number; message: string } | null = null;
  private readonly pendingInvalidations = new Set<string>();

  constructor(private readonly options: RedisFaceCacheOptions) {
    this.redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      keyPrefix: `${options.prefix}:`,
    });
    // Without a listener ioredis prints every reconnect failure; the status carries it instead.
    this.redis.on('error', (error: Error) => this.noteFailure(error));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.bounded(() => this.redis.getBuffer(`p:${key}`))) ?? undefined;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    await this.bounded(() => this.redis.set(`p:${key}`, Buffer.from(value.buffer, value.byteOffset, value.byteLength), 'EX', this.options.ttlS));
  }

  async getInGroup(group: string, field: string): Promise<Uint8Array | undefined> {
    if (!(await this.flushInvalidations()) || this.pendingInvalidations.has(group)) return undefined;
    return (await this.bounded(() => this.redis.hgetBuffer(`g:${group}`, field))) ?? undefined;
  }

  async setInGroup(group: string, field: string, value: Uint8Array): Promise<void> {
    if (this.pendingInvalidations.has(group)) return;
    const key = `g:${group}`;
    await this.bounded(() =>
      this.redis
        .multi()
        .hset(key, field, Buffer.from(value.buffer, value.byteOffset, value.byteLength))
        .expire(key, this.options.ttlS)
        .exec(),
    );
  }

  async invalidate(group: string): Promise<void> {
    this.pendingInvalidations.add(group);
    await this.flushInvalidations();
  }

  status(): CacheStatus {
    const recentFailure = this.lastFailure && Date.now() - this.lastFailure.atMs < DEGRADED_FOR_MS;
    if (this.redis.status === 'ready' && !recentFailure && this.pendingInvalidations.size === 0) return { kind: 'redis', state: 'ok' };
    const detail = this.redis.status !== 'ready' ? `redis ${this.redis.status}` : (this.lastFailure?.message ?? 'invalidations pending');
    return { kind: 'redis', state: 'degraded', detail };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** True when no invalidation is left pending. */
  private async flushInvalidations(): Promise<boolean> {
    if (this.pendingInvalidations.size === 0) return true;
    const groups = [...this.pendingInvalidations];
    const done = await this.bounded(() => this.redis.del(...groups.map((g) => `g:${g}`)));
    if (done === undefined) return false;
    for (const g of groups) this.pendingInvalidations.delete(g);
    return this.pendingInvalidations.size === 0;
  }

  /** The command's answer, or undefined when Redis failed or took longer than the bounded wait. */
  private async bounded<T>(command: () => Promise<T>): Promise<T | undefined> {
    if (this.redis.status !== 'ready') {
      this.failedCall(new Error(`redis ${this.redis.status}`));
      return undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.timeoutMs);
    });
    try {
      const answer = await Promise.race([command(), timeout]);
      if (answer === 'timeout') {
        this.failedCall(new Error(`redis slower than ${this.options.timeoutMs} ms`));
        return undefined;
      }
      return answer as T;
    } catch (error) {
      this.failedCall(error as Error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private failedCall(error: Error): void {
    (this.options.metrics ?? NO_CACHE_METRICS).lookup('error');
    this.noteFailure(error);
  }

  private noteFailure(error: Error): void {
    this.lastFailure = { atMs: Date.now(), message: error.message };
  }
}
