import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FaceshardError } from '@faceshard/contracts';
import { buildDlibResNetOnnx } from './dlib-onnx-graph';
import { decodeWeightFiles, faceApiModelDir, readWeightFiles } from './face-api-weights';
import { resolveModelCacheDir, writeFileAtomic } from './model-cache';

/**
 * Bump when the generated graph changes for the same weights (ops, normalisation, names), so
 * caches built by older code are not reused.
 */
export const DLIB_ONNX_BUILDER_VERSION = 1;

export interface DlibOnnxOptions {
  /** Directory for generated models. Default: env FACESHARD_MODEL_CACHE or <repo>/.cache/models. */
  cacheDir?: string;
  /** Directory holding face_recognition_model-weights_manifest.json + shards. Default: face-api's model/. */
  weightsDir?: string;
}

export interface DlibOnnxModel {
  path: string;
  /** SHA-256 of the builder version and the weight files: the cache key. */
  key: string;
  /** True when this call generated the file, false when it was already cached. */
  built: boolean;
}

/** The cache key: sha256("dlib-resnet-onnx/v<version>/" + sha256(manifest + shards)). */
export function dlibOnnxCacheKey(weightsSha256: string): string {
  return createHash('sha256').update(`dlib-resnet-onnx/v${DLIB_ONNX_BUILDER_VERSION}/${weightsSha256}`).digest('hex');
}

/** Returns the cached dlib ONNX model, generating it first if it is not there. */
export async function ensureDlibOnnxModel(options: DlibOnnxOptions = {}): Promise<DlibOnnxModel> {
  const files = await readWeightFiles(options.weightsDir ?? faceApiModelDir());
  const key = dlibOnnxCacheKey(files.sha256);
  const path = join(resolveModelCacheDir(options.cacheDir), `dlib-resnet-v1-${key}.onnx`);
  if (existsSync(path)) return { path, key, built: false };
  const bytes = buildDlibResNetOnnx(decodeWeightFiles(files));
  try {
    await writeFileAtomic(path, bytes);
  } catch (err) {
    throw new FaceshardError(
      'INTERNAL',
      `cannot write the generated dlib model to ${path} (${(err as Error).message}); set FACESHARD_MODEL_CACHE to a writable directory`,
      { path },
    );
  }
  return { path, key, built: true };
}

// CLI: `node dist/libs/vision/src/recognition/dlib/build-dlib-onnx.js [cacheDir]` (postinstall / first start).
if (require.main === module) {
  ensureDlibOnnxModel({ cacheDir: process.argv[2] })
    .then((m) => console.log(`${m.built ? 'built' : 'already cached'}: ${m.path}`))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
