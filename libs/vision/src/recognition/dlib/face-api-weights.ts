import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FaceshardError } from '@faceshard/contracts';
import { decodeWeightGroup, type FloatTensor, type TfjsWeightsManifest } from '../tfjs-weights';

/** The dlib recognition weights as @vladmandic/face-api ships them. */
export const FACE_API_RECOGNITION_MANIFEST = 'face_recognition_model-weights_manifest.json';

export function faceApiModelDir(): string {
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

export interface WeightFiles {
  manifest: TfjsWeightsManifest;
  /** Each group's shards concatenated, in manifest order. */
  groupBytes: Uint8Array[];
  /** SHA-256 over the manifest bytes and every shard's bytes, in order. */
  sha256: string;
}

export async function readWeightFiles(modelDir: string, manifestName = FACE_API_RECOGNITION_MANIFEST): Promise<WeightFiles> {
  const manifestPath = join(modelDir, manifestName);
  try {
    const hash = createHash('sha256');
    const manifestBytes = await readFile(manifestPath);
    hash.update(manifestBytes);
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as TfjsWeightsManifest;
    const groupBytes: Uint8Array[] = [];
    for (const group of manifest) {
      const shards = await Promise.all(group.paths.map((p) => readFile(join(modelDir, p))));
      shards.forEach((s) => hash.update(s));
      groupBytes.push(new Uint8Array(Buffer.concat(shards)));
    }
    return { manifest, groupBytes, sha256: hash.digest('hex') };
  } catch (err) {
    throw new FaceshardError('INTERNAL', `cannot read face-api weights at ${manifestPath}: ${(err as Error).message}`, { manifestPath });
  }
}

export function decodeWeightFiles(files: WeightFiles): Map<string, FloatTensor> {
  const all = new Map<string, FloatTensor>();
  files.manifest.forEach((group, i) => {
    for (const [name, tensor] of decodeWeightGroup(group, files.groupBytes[i])) all.set(name, tensor);
  });
  return all;
}
