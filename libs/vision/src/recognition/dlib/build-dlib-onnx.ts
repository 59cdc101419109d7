import { createHash } from 'node:crypto';
import { buildDlibResNetOnnx } from './dlib-onnx-graph';
import { decodeWeightFiles, faceApiModelDir, readWeightFiles } from './face-api-weights';
import { ensureGeneratedModel } from './model-cache';

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
  return ensureGeneratedModel({
    cacheDir: options.cacheDir,
    fileName: `dlib-resnet-v1-${key}.onnx`,
    key,
    what: 'dlib model',
    build: () => buildDlibResNetOnnx(decodeWeightFiles(files)),
  });
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
