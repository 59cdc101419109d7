import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import {
  OnnxArcFaceRecognizer,
  mobileFaceNetOptions,
  cosineSimilarity,
  ARCFACE_112_TEMPLATE,
} from '../../libs/vision/src/recognition';
import type { RgbImage } from '../../libs/vision/src/types';
import { HAVE_LFW, HAVE_MOBILEFACENET, MOBILEFACENET_PATH, SHARED_DIR, lfwCenterCrop } from './recognition-fixtures';

const available = HAVE_LFW && HAVE_MOBILEFACENET;
const suiteName = available
  ? 'OnnxArcFaceRecognizer with MobileFaceNet (real ONNX model, real LFW photos)'
  : `OnnxArcFaceRecognizer SKIPPED: shared models/LFW absent at ${SHARED_DIR} (set FACESHARD_SHARED_DIR)`;

describe.skipIf(!available)(suiteName, () => {
  let rec: OnnxArcFaceRecognizer;
  let crops: RgbImage[];

  beforeAll(async () => {
    rec = await OnnxArcFaceRecognizer.create(mobileFaceNetOptions(MOBILEFACENET_PATH));
    crops = await Promise.all([
      lfwCenterCrop('George_W_Bush', 1, 120, 112),
      lfwCenterCrop('George_W_Bush', 2, 120, 112),
      lfwCenterCrop('Colin_Powell', 1, 120, 112),
    ]);
  });
  afterAll(async () => rec?.close());

  it('reads dimension 128 from the model and reports the ArcFace 112 template', () => {
    expect(rec.dimension).toBe(128);
    expect(rec.inputSize).toBe(112);
    expect(rec.name).toBe('mobilefacenet');
    expect(rec.template).toEqual(ARCFACE_112_TEMPLATE);
    // The model's batch dim is fixed at 1, so it must run crops one by one.
    expect(rec.batches).toBe(false);
  });

  it('returns unit-length 128-D vectors', async () => {
    const out = await rec.embed(crops);
    expect(out).toHaveLength(3);
    for (const v of out) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(128);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
  });

  it('a batch of 3 equals 3 single calls, in order', async () => {
    const batch = await rec.embed(crops);
    for (let i = 0; i < crops.length; i++) {
      const [single] = await rec.embed([crops[i]]);
      for (let k = 0; k < 128; k++) expect(Math.abs(batch[i][k] - single[k])).toBeLessThan(1e-6);
    }
    // Different faces must give different vectors, or "equal" above would prove nothing.
    expect(cosineSimilarity(batch[0], batch[2])).toBeLessThan(0.99);
  });

  it('same person scores higher than different people (centre crops, sanity only)', async () => {
    const [bush1, bush2, powell] = await rec.embed(crops);
    console.log(`MobileFaceNet centre crops: same ${cosineSimilarity(bush1, bush2).toFixed(3)}, different ${cosineSimilarity(bush1, powell).toFixed(3)}`);
    expect(cosineSimilarity(bush1, bush2)).toBeGreaterThan(cosineSimilarity(bush1, powell));
    expect(cosineSimilarity(bush1, bush2)).toBeGreaterThan(cosineSimilarity(bush2, powell));
  });

  it('rejects a crop of the wrong size with VALIDATION_FAILED', async () => {
    const wrong: RgbImage = { data: new Uint8Array(100 * 100 * 3), width: 100, height: 100 };
    await expect(rec.embed([wrong])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('OnnxArcFaceRecognizer without a model file', () => {
  it('fails a missing model path with a FaceshardError', async () => {
    await expect(OnnxArcFaceRecognizer.create({ modelPath: '/nonexistent/model.onnx' })).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
