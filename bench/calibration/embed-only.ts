/**
 * Fills the embeddings cache for one model without computing anything else (the slow part of
 * `npm run calibrate`, run on its own under the bench lock):
 *   node dist/bench/calibration/embed-only.js --model dlib-resnet-v1 [--workers 2]
 */
import * as path from 'node:path';
import { parseArgsOrExit } from '../cli-options';
import { findSharedDir } from '../vision/shared-dir';
import { calibrationPreset } from './model-presets';
import { lfwEmbeddings, loadavg } from './lfw-embeddings';

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/calibration/embed-only.js', { options: { model: { type: 'string', default: 'dlib-resnet-v1' }, limit: { type: 'string' }, workers: { type: 'string', default: '1' } } });
  const shared = findSharedDir();
  if (!shared) throw new Error('no ../shared/datasets/lfw (set FACESHARD_SHARED_DIR)');
  const preset = calibrationPreset(values.model!, shared);
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  const log = (s: string) => process.stderr.write(`calibrate: ${s}\n`);
  log(`load before: ${loadavg()}`);
  const e = await lfwEmbeddings({ preset, lfwDir: path.join(shared, 'datasets', 'lfw'), repoRoot, limit: values.limit ? Number(values.limit) : undefined, workers: Number(values.workers), log });
  log(`${e.photos.length} embedded, ${e.failed.length} without a face, ${e.photosPerSecond ?? 'cached'} photos/s, load after: ${loadavg()}`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
