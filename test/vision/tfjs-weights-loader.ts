import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * A face-api weights-only manifest and its shards decoded by tfjs itself (tf.io.decodeWeights), for
 * the reference forward passes: nothing shared with the library's own decoder.
 */
export async function loadTfjsWeights(modelDir: string, manifestName: string): Promise<tf.NamedTensorMap> {
  await tf.setBackend('cpu');
  const manifest = JSON.parse(readFileSync(join(modelDir, manifestName), 'utf8')) as Array<{
    paths: string[];
    weights: tf.io.WeightsManifestEntry[];
  }>;
  const map: tf.NamedTensorMap = {};
  for (const group of manifest) {
    const buf = Buffer.concat(group.paths.map((p) => readFileSync(join(modelDir, p))));
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    Object.assign(map, tf.io.decodeWeights(ab, group.weights));
  }
  return map;
}
