import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DlibResNetRecognizer,
  DLIB_150_TEMPLATE,
  DLIB_COSINE_THRESHOLD,
  cosineSimilarity,
  ensureDlibOnnxModel,
  l2Normalise,
} from '../../libs/vision/src/recognition';
import { faceApiModelDir } from '../../libs/vision/src/recognition/dlib/face-api-weights';
import type { RgbImage } from '../../libs/vision/src/types';
import { loadReferenceWeights, referenceDescriptors } from './recognition-dlib-tfjs-reference';
import { HAVE_LFW, SHARED_DIR, lfwCenterCrop } from './recognition-fixtures';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('dlib ONNX model generation and cache (weights from @vladmandic/face-api)', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'faceshard-dlib-cache-'));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('builds the model once, then serves it from the cache under the same key', async () => {
    const first = await ensureDlibOnnxModel({ cacheDir });
    expect(first.built).toBe(true);
    expect(first.key).toMatch(/^[0-9a-f]{64}$/);
    expect(first.path.startsWith(cacheDir)).toBe(true);
    expect(first.path).toContain(first.key);
    const mtime = statSync(first.path).mtimeMs;
    const second = await ensureDlibOnnxModel({ cacheDir });
    expect(second).toEqual({ ...first, built: false });
    expect(statSync(second.path).mtimeMs).toBe(mtime);
  });

  it('the generated graph has a dynamic batch, 150x150 RGB input and a 128-D output', async () => {
    const { path } = await ensureDlibOnnxModel({ cacheDir });
    const session = await ort.InferenceSession.create(path);
    try {
      expect(session.inputMetadata[0]).toMatchObject({ name: 'image', shape: ['batch', 3, 150, 150] });
      expect(session.outputMetadata[0]).toMatchObject({ name: 'descriptor', shape: ['batch', 128] });
    } finally {
      await session.release();
    }
  });

  it('fails with a FaceshardError naming FACESHARD_MODEL_CACHE when the cache dir cannot be written', async () => {
    const blocker = join(cacheDir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    await expect(ensureDlibOnnxModel({ cacheDir: join(blocker, 'models') })).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('FACESHARD_MODEL_CACHE'),
    });
  });

  it('fails with a FaceshardError when the weights are not where it is told', async () => {
    await expect(ensureDlibOnnxModel({ cacheDir, weightsDir: join(cacheDir, 'nowhere') })).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

const lfwSuite = HAVE_LFW
  ? 'DlibResNetRecognizer against an independent tfjs forward pass on real LFW photos'
  : `DlibResNetRecognizer exactness SKIPPED: LFW photos absent at ${SHARED_DIR} (set FACESHARD_SHARED_DIR)`;

describe.skipIf(!HAVE_LFW)(lfwSuite, () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'faceshard-dlib-rec-'));
  let rec: DlibResNetRecognizer;
  let crops: RgbImage[];
  let reference: Float32Array[];

  beforeAll(async () => {
    rec = await DlibResNetRecognizer.create({ cacheDir });
    // Centre crops of 250x250 deep-funneled photos: roughly a dlib chip, no alignment needed here.
    crops = await Promise.all([
      lfwCenterCrop('George_W_Bush', 1, 150, 150),
      lfwCenterCrop('George_W_Bush', 2, 150, 150),
      lfwCenterCrop('Colin_Powell', 1, 150, 150),
      lfwCenterCrop('Serena_Williams', 1, 150, 150),
    ]);
    reference = referenceDescriptors(await loadReferenceWeights(faceApiModelDir()), crops);
  });
  afterAll(async () => {
    await rec?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('reports the dlib shape of things', () => {
    expect(rec.inputSize).toBe(150);
    expect(rec.dimension).toBe(128);
    expect(rec.metric).toBe('cosine');
    expect(rec.defaultThreshold).toBe(DLIB_COSINE_THRESHOLD);
    expect(rec.template).toBe(DLIB_150_TEMPLATE);
  });

  it('raw ONNX descriptors equal the tfjs reference to max |diff| < 1e-5', async () => {
    const session = await ort.InferenceSession.create(rec.modelPath);
    try {
      let worst = 0;
      for (let i = 0; i < crops.length; i++) {
        const x = new ort.Tensor('float32', nchw(crops[i]), [1, 3, 150, 150]);
        const raw = (await session.run({ image: x })).descriptor.data as Float32Array;
        // The descriptor must be a real one (dlib descriptors have norm ~0.5-1), not zeros.
        expect(Math.hypot(...raw)).toBeGreaterThan(0.1);
        worst = Math.max(worst, maxAbsDiff(raw, reference[i]));
      }
      console.log(`dlib ONNX vs tfjs reference, raw descriptor: max |diff| = ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });

  it('recognizer output (batched) is the L2-normalised reference, in order', async () => {
    const out = await rec.embed(crops);
    expect(out).toHaveLength(crops.length);
    let worst = 0;
    out.forEach((v, i) => {
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      worst = Math.max(worst, maxAbsDiff(v, l2Normalise(reference[i])));
    });
    console.log(`dlib recognizer (batch of ${crops.length}) vs normalised tfjs reference: max |diff| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });

  it('a batch equals single calls', async () => {
    const batch = await rec.embed(crops);
    for (let i = 0; i < crops.length; i++) {
      const [single] = await rec.embed([crops[i]]);
      expect(maxAbsDiff(batch[i], single)).toBeLessThan(1e-6);
    }
  });

  it('a pool of 2 worker threads gives the same descriptors as the in-process session', async () => {
    const pooled = await DlibResNetRecognizer.create({ cacheDir, workers: 2 });
    try {
      const [inProcess, viaWorkers] = [await rec.embed(crops), await pooled.embed(crops)];
      inProcess.forEach((v, i) => expect(maxAbsDiff(v, viaWorkers[i])).toBeLessThan(1e-6));
    } finally {
      await pooled.close();
    }
  });

  it('same person scores higher cosine than different people (centre crops, sanity only)', async () => {
    const [bush1, bush2, powell, serena] = await rec.embed(crops);
    const same = cosineSimilarity(bush1, bush2);
    console.log(`dlib centre crops: same ${same.toFixed(3)}, different ${cosineSimilarity(bush1, powell).toFixed(3)} / ${cosineSimilarity(bush1, serena).toFixed(3)}`);
    for (const other of [powell, serena]) {
      expect(same).toBeGreaterThan(cosineSimilarity(bush1, other));
      expect(same).toBeGreaterThan(cosineSimilarity(bush2, other));
    }
  });
});

/** Interleaved RGB -> planar NCHW floats 0..255, written here independently of the library's packer. */
function nchw(img: RgbImage): Float32Array {
  const plane = img.width * img.height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[c * plane + i] = img.data[i * 3 + c];
  return out;
}
