import type { FacesConfig } from '../faces/faces-config';
import { NoFaceCache, type FaceCache } from './face-cache';
import { MemoryFaceCache } from './memory-face-cache';
import { RedisFaceCache } from './redis-face-cache';

/** Injection token of the FaceCache the gateway uses. */
export const FACE_CACHE = Symbol('FACE_CACHE');

export function createFaceCache(config: FacesConfig['cache'], clusterName: string): FaceCache {
  switch (config.kind) {
    case 'off':
      return new NoFaceCache();
    case 'memory':
      return new MemoryFaceCache({ maxEntries: config.memoryEntries, ttlS: config.ttlS });
    case 'redis':
      if (!config.redisUrl) throw new Error('FACE_CACHE=redis needs REDIS_URL');
      return new RedisFaceCache({ url: config.redisUrl, ttlS: config.ttlS, timeoutMs: config.timeoutMs, prefix: `faceshard:${clusterName}` });
  }
}
