import { resolve } from 'node:path';
import { intFrom, oneOf } from '@faceshard/config';
import { fusedDlibArcFaceConfig, type ArcFaceRecognizerConfig, type DetectorConfig, type RecognizerConfig } from '@faceshard/vision';

export type FaceCacheKind = 'redis' | 'memory' | 'off';

/** The face API's knobs: models, the worker pool, the limits checked before any expensive work, the cache. */
export interface FacesConfig {
  /** Load the models at start (in the background) rather than on the first photo. */
  preload: boolean;
  detector: DetectorConfig;
  recognizer: RecognizerConfig;
  /**
   * A calibration made with `npm run calibrate` for a model the code does not ship one for
   * (FACE_CALIBRATION_FILE); else the shipped one for the model and detector, if any.
   */
  calibrationFile?: string;
  /** Worker threads running the pipeline (one photo each at a time). */
  workers: number;
  /** Photos allowed to wait for a worker; beyond that: 429 BUSY. */
  queue: number;
  /** Seconds a client is told to wait after BUSY (Retry-After). */
  busyRetryAfterS: number;
  maxImageBytes: number;
  maxImagePixels: number;
  /** Faces answered per photo at most (largest first); requests may ask for fewer. */
  maxFacesPerPhoto: number;
  /** Matches per face at most. */
  maxLimit: number;
  cache: {
    kind: FaceCacheKind;
    redisUrl?: string;
    ttlS: number;
    /** The longest a request waits for the cache before going on without it. */
    timeoutMs: number;
    /** In-process LRU entries (kind 'memory'). */
    memoryEntries: number;
  };
}

export function readFacesConfig(env: NodeJS.ProcessEnv = process.env): FacesConfig {
  const detectorModel = env.FACE_DETECTOR_MODEL || undefined;
  const recognizerModel = env.FACE_RECOGNIZER_MODEL || undefined;
  const redisUrl = env.REDIS_URL || undefined;
  const byo: ArcFaceRecognizerConfig | undefined = recognizerModel
    ? {
        kind: 'arcface',
        modelPath: resolve(recognizerModel),
        normalisation: oneOf<'arcface' | 'imagenet'>('FACE_RECOGNIZER_NORMALISATION', env.FACE_RECOGNIZER_NORMALISATION, ['arcface', 'imagenet'], 'arcface'),
        name: env.FACE_RECOGNIZER_NAME || undefined,
      }
    : undefined;
  // FACE_RECOGNIZER_FUSION=dlib: score fusion of the bring-your-own model with the npm dlib ResNet (FACE_RECOGNIZER_FUSION_WEIGHT = dlib's weight).
  const fusion = oneOf<'off' | 'dlib'>('FACE_RECOGNIZER_FUSION', env.FACE_RECOGNIZER_FUSION, ['off', 'dlib'], 'off');
  if (fusion === 'dlib' && !byo) throw new Error('FACE_RECOGNIZER_FUSION=dlib needs FACE_RECOGNIZER_MODEL (the model fused with dlib)');
  const fusionWeight = env.FACE_RECOGNIZER_FUSION_WEIGHT ? Number(env.FACE_RECOGNIZER_FUSION_WEIGHT) : undefined;
  if (fusionWeight !== undefined && !(fusionWeight >= 0 && fusionWeight <= 1)) throw new Error(`FACE_RECOGNIZER_FUSION_WEIGHT must be in [0, 1], got "${env.FACE_RECOGNIZER_FUSION_WEIGHT}"`);
  return {
    preload: env.FACE_PRELOAD !== 'false',
    detector: detectorModel ? { kind: 'yunet', modelPath: resolve(detectorModel) } : { kind: 'blazeface' },
    recognizer: byo && fusion === 'dlib' ? fusedDlibArcFaceConfig(byo, fusionWeight) : (byo ?? { kind: 'dlib' }),
    calibrationFile: env.FACE_CALIBRATION_FILE ? resolve(env.FACE_CALIBRATION_FILE) : undefined,
    workers: intFrom(env.FACE_WORKERS, 2),
    queue: env.FACE_QUEUE === '0' ? 0 : intFrom(env.FACE_QUEUE, 32),
    busyRetryAfterS: intFrom(env.FACE_BUSY_RETRY_AFTER_S, 1),
    maxImageBytes: intFrom(env.MAX_IMAGE_BYTES, 10 * 1024 * 1024),
    maxImagePixels: intFrom(env.MAX_IMAGE_PIXELS, 40_000_000),
    maxFacesPerPhoto: intFrom(env.MAX_FACES_PER_PHOTO, 20),
    maxLimit: intFrom(env.MAX_MATCHES_PER_FACE, 100),
    cache: {
      kind: oneOf<FaceCacheKind>('FACE_CACHE', env.FACE_CACHE, ['redis', 'memory', 'off'], redisUrl ? 'redis' : 'memory'),
      redisUrl,
      ttlS: intFrom(env.FACE_CACHE_TTL_S, 3600),
      timeoutMs: intFrom(env.FACE_CACHE_TIMEOUT_MS, 100),
      memoryEntries: intFrom(env.FACE_CACHE_ENTRIES, 1000),
    },
  };
}
