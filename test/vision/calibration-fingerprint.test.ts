import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shippedCalibration } from '@faceshard/calibration';
import { createInProcessPipeline, type FaceAnalyzer } from '@faceshard/vision';
import { calibrationPreset } from '../../bench/calibration/model-presets';
import { embedProbePhotos, fileSha256, probeEmbeddingsFile } from '../../bench/calibration/lfw-embeddings';
import { PROBE_TOLERANCE, probeDrift, type ProbeEmbedding } from '../../bench/calibration/probe-drift';
import { SHARED_ABSENT_REASON, SHARED_DIR } from './shared-fixtures';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * A shipped calibration's thresholds mean the false-match rates it says only for the embeddings
 * it was measured on. `npm run calibrate` records the embeddings of 8 fixed LFW photos beside it
 * (bench/calibration/probe-embeddings/); this test embeds the same photos with today's pipeline and
 * fails when any moved by more than CPU-kernel noise (probe-drift.ts), or when a bring-your-own
 * model file is not the one calibrated. Any change that moves an embedding — alignment, landmarks,
 * detector decoding, a model — must come with a new calibration (`npm run calibrate -- --model <id>`).
 */
describe.skipIf(!SHARED_DIR)(SHARED_DIR ? 'shipped calibrations match the pipelines that run today' : SHARED_ABSENT_REASON, () => {
  const pipelines: FaceAnalyzer[] = [];
  afterAll(async () => {
    for (const pipeline of pipelines) await pipeline.close();
  });

  for (const modelId of ['dlib-resnet-v1', 'mobilefacenet', 'dlib-resnet-v1+mobilefacenet']) {
    it(`${modelId}: today's pipeline reproduces the probe embeddings its shipped calibration was made with, within ${PROBE_TOLERANCE} (else run npm run calibrate -- --model ${modelId})`, async () => {
      const preset = calibrationPreset(modelId, SHARED_DIR);
      const shipped = shippedCalibration(modelId, preset.detector);
      expect(shipped, `no shipped calibration for ${modelId} + ${preset.detector}`).toBeDefined();
      if (shipped!.modelSha256) expect(fileSha256(preset.modelFiles[0]!), 'the model file is not the one calibrated').toBe(shipped!.modelSha256);
      const probesFile = probeEmbeddingsFile(REPO_ROOT, modelId, preset.detector);
      expect(existsSync(probesFile), `${probesFile} is missing`).toBe(true);
      const recorded = JSON.parse(readFileSync(probesFile, 'utf8')) as { pipelineFingerprint: string; probes: ProbeEmbedding[] };
      expect(recorded.pipelineFingerprint, 'the probe file belongs to another calibration run').toBe(shipped!.pipelineFingerprint);
      const pipeline = await createInProcessPipeline({ ...preset.config, limits: { maxConcurrent: 1 } });
      pipelines.push(pipeline);
      const now = await embedProbePhotos(pipeline, path.join(SHARED_DIR!, 'datasets', 'lfw'));
      expect(probeDrift(recorded.probes, now)).toEqual([]);
    }, 120_000);
  }
});
