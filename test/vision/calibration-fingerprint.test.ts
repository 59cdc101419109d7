import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shippedCalibration } from '@faceshard/calibration';
import { createInProcessPipeline, type FaceAnalyzer } from '@faceshard/vision';
import { calibrationPreset } from '../../bench/calibration/model-presets';
import { pipelineFingerprint } from '../../bench/calibration/lfw-embeddings';
import { SHARED_ABSENT_REASON, SHARED_DIR } from './shared-fixtures';

/**
 * A shipped calibration's thresholds mean the false-match rates it says only for the embeddings
 * it was measured on. Its file records the fingerprint of the pipeline that made them (the
 * embeddings of 8 fixed LFW photos, the preset, the model files: bench/calibration). Any change
 * that moves an embedding — alignment, landmarks, detector decoding, a model — must come with a
 * new calibration (`npm run calibrate -- --model <id>`); this test is what says so.
 */
describe.skipIf(!SHARED_DIR)(SHARED_DIR ? 'shipped calibrations match the pipelines that run today' : SHARED_ABSENT_REASON, () => {
  const pipelines: FaceAnalyzer[] = [];
  afterAll(async () => {
    for (const pipeline of pipelines) await pipeline.close();
  });

  for (const modelId of ['dlib-resnet-v1', 'mobilefacenet']) {
    it(`${modelId}: the current pipeline's fingerprint is the one its shipped calibration was made with (else run npm run calibrate -- --model ${modelId})`, async () => {
      const preset = calibrationPreset(modelId, SHARED_DIR);
      const shipped = shippedCalibration(modelId, preset.detector);
      expect(shipped, `no shipped calibration for ${modelId} + ${preset.detector}`).toBeDefined();
      const pipeline = await createInProcessPipeline({ ...preset.config, limits: { maxConcurrent: 1 } });
      pipelines.push(pipeline);
      const now = await pipelineFingerprint(pipeline, path.join(SHARED_DIR!, 'datasets', 'lfw'), preset);
      expect(now).toBe(shipped!.pipelineFingerprint);
    }, 120_000);
  }
});
