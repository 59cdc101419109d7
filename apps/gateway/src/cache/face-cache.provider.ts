import { NO_CACHE_METRICS, type CacheMetricsSink } from '@faceshard/observability';
import type { FacesConfig } from '../faces/faces-config';
import { MeteredFaceCache } from './metered-face-cache';
import { NoFaceCache, type FaceCache } from './face-cache';
import { MemoryFaceCache } from './memory-face-cache';
import { RedisFaceCache } from './redis-face-cache';

/** Injection token of the FaceCache the gateway uses. */
export const FACE_CACHE = Symbol('FACE_CACHE');

export function createFaceCache(config: FacesConfig['cache'], clusterName: string, metrics: CacheMetricsSink = NO_CACHE_METRICS): FaceCache {
  switch (config.kind) {
    case 'off':
      return new NoFaceCache();
    case 'memory':
      return new MeteredFaceCache(new MemoryFaceCache({ maxEntries: config.memoryEntries, ttlS: config.ttlS }), metrics);
    case 'redis':
      if (!config.redisUrl) throw new Error('FACE_CACHE=redis needs REDIS_URL');
      return new MeteredFaceCache(
        new RedisFaceCache({ url: config.redisUrl, ttlS: config.ttlS, timeoutMs: config.timeoutMs, prefix: `faceshard:${clusterName}`, metrics }),
        metrics,
      );
  }
}
