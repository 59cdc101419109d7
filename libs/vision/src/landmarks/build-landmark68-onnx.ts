import { createHash } from 'node:crypto';
import { decodeWeightFiles, faceApiModelDir, readWeightFiles } from '../recognition/dlib/face-api-weights';
import { ensureGeneratedModel, type GeneratedModel } from '../recognition/dlib/model-cache';
import { buildLandmark68Onnx } from './landmark68-onnx-graph';

/** face-api's FaceLandmark68Net weights (the full net, not the "tiny" one). */
export const FACE_API_LANDMARK68_MANIFEST = 'face_landmark_68_model-weights_manifest.json';

/** Bump when the generated graph changes for the same weights, so caches built by older code are not reused. */
export const LANDMARK68_ONNX_BUILDER_VERSION = 1;

export interface Landmark68OnnxOptions {
  /** Directory for generated models. Default: env FACESHARD_MODEL_CACHE or <repo>/.cache/models. */
  cacheDir?: string;
  /** Directory holding face_landmark_68_model-weights_manifest.json + shard. Default: face-api's model/. */
  weightsDir?: string;
}

/** The generated file, its cache key (SHA-256 of the builder version and the weight files) and whether this call built it. */
export type Landmark68OnnxModel = GeneratedModel;

export function landmark68OnnxCacheKey(weightsSha256: string): string {
  return createHash('sha256').update(`face-landmark68-onnx/v${LANDMARK68_ONNX_BUILDER_VERSION}/${weightsSha256}`).digest('hex');
}

/** Returns the cached landmark ONNX model, generating it first if it is not there (~1.4 MB, well under a second). */
export async function ensureLandmark68OnnxModel(options: Landmark68OnnxOptions = {}): Promise<Landmark68OnnxModel> {
  const files = await readWeightFiles(options.weightsDir ?? faceApiModelDir(), FACE_API_LANDMARK68_MANIFEST);
  const key = landmark68OnnxCacheKey(files.sha256);
  return ensureGeneratedModel({
    cacheDir: options.cacheDir,
    fileName: `face-landmark68-v1-${key}.onnx`,
    key,
    what: 'landmark model',
    build: () => buildLandmark68Onnx(decodeWeightFiles(files)),
  });
}
