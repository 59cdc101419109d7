import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import {
  createDefaultPipeline,
  createInProcessPipeline,
  createPipelineFromConfig,
  FacePipeline,
  pickCenterFace,
  WorkerFacePipeline,
  type FaceRecognizer,
  type RgbImage,
} from '@faceshard/vision';
import { lfwPhoto, MOBILEFACENET_MODEL, SHARED_ABSENT_REASON, SHARED_DIR, YUNET_MODEL } from './shared-fixtures';
import { expectCode } from './shared-fixtures';

const SAME: Array<[[string, number], [string, number]]> = [
  [['George_W_Bush', 1], ['George_W_Bush', 2]],
  [['Colin_Powell', 1], ['Colin_Powell', 5]],
  [['Serena_Williams', 1], ['Serena_Williams', 2]],
];
const DIFFERENT: Array<[[string, number], [string, number]]> = [
  [['George_W_Bush', 1], ['Colin_Powell', 5]],
  [['Serena_Williams', 1], ['Abdullah_Gul', 13]],
  [['Aaron_Guiel', 1], ['George_W_Bush', 2]],
];

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

async function gradientJpeg(): Promise<Buffer> {
  const w = 300;
  const h = 200;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([(x * 255) / w, (y * 255) / h, 90], (y * w + x) * 3);
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg().toBuffer();
}

/** Wraps a real recognizer to record how it is called (no stand-in for the model itself). */
class RecordingRecognizer implements FaceRecognizer {
  readonly calls: number[] = [];
  constructor(private readonly inner: FaceRecognizer) {}
  get name() { return this.inner.name; }
  get inputSize() { return this.inner.inputSize; }
  get dimension() { return this.inner.dimension; }
  get metric() { return this.inner.metric; }
  get defaultThreshold() { return this.inner.defaultThreshold; }
  get template() { return this.inner.template; }
  get dlibChipPadding() { return this.inner.dlibChipPadding; }
  embed(crops: RgbImage[]): Promise<Float32Array[]> {
    this.calls.push(crops.length);
    return this.inner.embed(crops);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Counts event-loop turns while `work` runs: a blocked loop lets none through. */
async function loopTurnsDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  let running = true;
  const spin = () => {
    ticks++;
    if (running) setImmediate(spin);
  };
  setImmediate(spin);
  try {
    await work();
  } finally {
    running = false;
  }
  return ticks;
}

const photo = (p: [string, number]) => readFileSync(lfwPhoto(p[0], p[1]));

describe.skipIf(!SHARED_DIR)(`FacePipeline in-process, BlazeFace + dlib (default models)${SHARED_DIR ? '' : ` (${SHARED_ABSENT_REASON})`}`, () => {
  let pipeline: FacePipeline;
  const embedding = async (p: [string, number]) => pickCenterFace(await pipeline.analyze(photo(p)))!.embedding;

  beforeAll(async () => {
    pipeline = await createInProcessPipeline();
  }, 120_000);
  afterAll(async () => {
    await pipeline?.close();
  });

  it('analyzes a photo into faces with box, score, landmarks, quality and a unit embedding', async () => {
    const a = await pipeline.analyze(photo(['George_W_Bush', 1]));
    expect([a.width, a.height]).toEqual([250, 250]);
    expect(a.faces.length).toBeGreaterThanOrEqual(1);
    const f = pickCenterFace(a)!;
    expect(f.embedding).toBeInstanceOf(Float32Array);
    expect(f.embedding.length).toBe(pipeline.recognizer.dimension);
    expect(dot(f.embedding, f.embedding)).toBeCloseTo(1, 4);
    expect(f.quality.passed).toBe(true);
    expect(f.quality.faceSize).toBeGreaterThan(50);
    expect(f.quality.eyeDistance).toBeGreaterThan(25);
    expect(f.quality.sharpness).toBeGreaterThan(0);
    expect(Math.abs(f.quality.roll)).toBeLessThan(20);
  });

  it('scores the same person above the recognizer threshold and different people below', async () => {
    const t = pipeline.recognizer.defaultThreshold;
    for (const [a, b] of SAME) expect(dot(await embedding(a), await embedding(b))).toBeGreaterThan(t);
    for (const [a, b] of DIFFERENT) expect(dot(await embedding(a), await embedding(b))).toBeLessThan(t);
  });

  it('returns an empty list, not an error, for a photo without a face; analyzeSingle says NO_FACE', async () => {
    const jpeg = await gradientJpeg();
    const a = await pipeline.analyze(jpeg);
    expect(a).toEqual({ width: 300, height: 200, faces: [] });
    await expectCode(pipeline.analyzeSingle(jpeg), 'NO_FACE');
  });

  it('refuses bad files with the documented codes', async () => {
    const jpeg = photo(['George_W_Bush', 1]);
    await expectCode(pipeline.analyze(Buffer.from('definitely not an image')), 'IMAGE_INVALID');
    await expectCode(pipeline.analyze(jpeg.subarray(0, jpeg.length >> 1)), 'IMAGE_TRUNCATED');
    const small = new FacePipeline({ detector: pipeline.detector, recognizer: pipeline.recognizer, limits: { decode: { maxBytes: 1e9, maxPixels: 200 * 200 } } });
    await expectCode(small.analyze(jpeg), 'IMAGE_TOO_LARGE');
  });

  it('marks or filters faces that fail a quality policy; analyzeSingle says FACE_QUALITY_TOO_LOW', async () => {
    const jpeg = photo(['Colin_Powell', 1]);
    const strict = { minFaceSize: 1000 };
    const marked = await pipeline.analyze(jpeg, { qualityPolicy: strict });
    expect(marked.faces.length).toBeGreaterThanOrEqual(1);
    expect(marked.faces.every((f) => !f.quality.passed && f.quality.failures.includes('faceSize'))).toBe(true);
    expect((await pipeline.analyze(jpeg, { qualityPolicy: strict, onQualityFailure: 'filter' })).faces).toEqual([]);
    await expectCode(pipeline.analyzeSingle(jpeg, { qualityPolicy: strict }), 'FACE_QUALITY_TOO_LOW');
    const ok = await pipeline.analyzeSingle(jpeg, { qualityPolicy: { minScore: 0.5, minFaceSize: 40, maxAbsYaw: 45 } });
    expect(ok.quality.passed).toBe(true);
  });

  it('embeds all faces of a photo in one recognizer call', async () => {
    // Two LFW photos side by side: two faces, one batch.
    const left = photo(['George_W_Bush', 1]);
    const right = photo(['Serena_Williams', 1]);
    const both = await sharp({ create: { width: 500, height: 250, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .composite([{ input: left, left: 0, top: 0 }, { input: right, left: 250, top: 0 }])
      .jpeg({ quality: 95 })
      .toBuffer();
    const recording = new RecordingRecognizer(pipeline.recognizer);
    const p = new FacePipeline({ detector: pipeline.detector, recognizer: recording, landmarker: pipeline.landmarker });
    const a = await p.analyze(both);
    const centred = a.faces.filter((f) => f.box.y + f.box.height / 2 > 60 && f.box.y + f.box.height / 2 < 190);
    expect(centred.length).toBeGreaterThanOrEqual(2);
    expect(recording.calls).toEqual([a.faces.length]);
    // The face on the left is Bush: it matches his single photo.
    const bush = await embedding(['George_W_Bush', 1]);
    const leftFace = a.faces.reduce((best, f) => (f.box.x < best.box.x ? f : best));
    expect(dot(leftFace.embedding, bush)).toBeGreaterThan(pipeline.recognizer.defaultThreshold);
    // With flip, each face and its mirror go in the same single call.
    recording.calls.length = 0;
    const flipped = await p.analyze(both, { flip: true });
    expect(recording.calls).toEqual([2 * flipped.faces.length]);
    const f0 = flipped.faces.reduce((best, f) => (f.box.x < best.box.x ? f : best));
    expect(dot(f0.embedding, f0.embedding)).toBeCloseTo(1, 4);
    expect(dot(f0.embedding, leftFace.embedding)).toBeGreaterThan(0.95);
    expect(dot(f0.embedding, leftFace.embedding)).toBeLessThan(1 - 1e-6);
  });

  it('rejects with BUSY once the queue is full instead of growing it', async () => {
    const p = new FacePipeline({ detector: pipeline.detector, recognizer: pipeline.recognizer, limits: { maxConcurrent: 1, maxQueued: 1 } });
    const jpeg = photo(['George_W_Bush', 2]);
    const results = await Promise.allSettled([p.analyze(jpeg), p.analyze(jpeg), p.analyze(jpeg), p.analyze(jpeg)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    for (const r of results.slice(2)) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'BUSY' });
    // Capacity comes back once the queue drains.
    expect((await p.analyze(jpeg)).faces.length).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(!SHARED_DIR)(`WorkerFacePipeline (createDefaultPipeline: BlazeFace + dlib on worker threads)${SHARED_DIR ? '' : ` (${SHARED_ABSENT_REASON})`}`, () => {
  let workers: WorkerFacePipeline;
  let inProcess: FacePipeline;

  beforeAll(async () => {
    workers = await createDefaultPipeline({ maxConcurrent: 2, maxQueued: 2 });
    inProcess = await createInProcessPipeline();
  }, 120_000);
  afterAll(async () => {
    await workers?.close();
    await inProcess?.close();
  });

  it('reports the models it runs', () => {
    expect(workers.detectorName).toBe('blazeface');
    expect(workers.recognizerInfo).toMatchObject({ dimension: 128, metric: 'cosine', inputSize: 150 });
    expect(workers.recognizerInfo.defaultThreshold).toBe(inProcess.recognizer.defaultThreshold);
  });

  it('gives the same faces and embeddings as the in-process pipeline', async () => {
    const jpeg = photo(['Colin_Powell', 1]);
    const a = await workers.analyze(jpeg);
    const b = await inProcess.analyze(jpeg);
    expect(a.faces.length).toBe(b.faces.length);
    const fa = pickCenterFace(a)!;
    const fb = pickCenterFace(b)!;
    expect(fa.embedding).toBeInstanceOf(Float32Array);
    expect(dot(fa.embedding, fb.embedding)).toBeGreaterThan(0.99999);
    expect(fa.box).toEqual(fb.box);
    expect(fa.quality).toEqual(fb.quality);
  });

  it('keeps the event loop turning while photos are analyzed', async () => {
    const jpegs = [photo(['George_W_Bush', 1]), photo(['Serena_Williams', 1]), photo(['Colin_Powell', 5]), photo(['Aaron_Guiel', 1])];
    const turns = await loopTurnsDuring(() => Promise.all(jpegs.map((j) => workers.analyze(j, { flip: true }))));
    expect(turns).toBeGreaterThan(20);
  });

  it('carries error codes across the thread boundary', async () => {
    await expectCode(workers.analyze(Buffer.from('not an image at all')), 'IMAGE_INVALID');
    const jpeg = photo(['George_W_Bush', 1]);
    await expectCode(workers.analyze(jpeg.subarray(0, jpeg.length >> 1)), 'IMAGE_TRUNCATED');
    await expectCode(workers.analyzeSingle(await gradientJpeg()), 'NO_FACE');
    await expectCode(workers.analyzeSingle(jpeg, { qualityPolicy: { minFaceSize: 5000 } }), 'FACE_QUALITY_TOO_LOW');
    expect((await workers.analyzeSingle(jpeg)).embedding.length).toBe(128);
  });

  it('answers BUSY beyond 2 running + 2 queued photos, and recovers', async () => {
    const jpeg = photo(['George_W_Bush', 2]);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => workers.analyze(jpeg)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
    for (const r of results.slice(4)) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'BUSY' });
    expect((await workers.analyze(jpeg)).faces.length).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(!SHARED_DIR)(`createPipelineFromConfig, YuNet + MobileFaceNet (bring your own)${SHARED_DIR ? '' : ` (${SHARED_ABSENT_REASON})`}`, () => {
  let pipeline: WorkerFacePipeline;
  const embedding = async (p: [string, number]) => pickCenterFace(await pipeline.analyze(photo(p)))!.embedding;

  beforeAll(async () => {
    pipeline = await createPipelineFromConfig({
      detector: { kind: 'yunet', modelPath: YUNET_MODEL },
      recognizer: { kind: 'arcface', modelPath: MOBILEFACENET_MODEL, normalisation: 'imagenet', defaultThreshold: 0.29, name: 'mobilefacenet' },
      limits: { maxConcurrent: 1 },
    });
  });
  afterAll(async () => {
    await pipeline?.close();
  });

  it('finds five keypoints and scores same above / different below the threshold', async () => {
    const a = await pipeline.analyze(photo(['George_W_Bush', 1]));
    expect(pickCenterFace(a)!.landmarks.mouthLeft).toBeDefined();
    expect(pickCenterFace(a)!.embedding.length).toBe(128);
    const t = pipeline.recognizerInfo.defaultThreshold;
    expect(t).toBe(0.29);
    for (const [x, y] of SAME) expect(dot(await embedding(x), await embedding(y))).toBeGreaterThan(t);
    for (const [x, y] of DIFFERENT) expect(dot(await embedding(x), await embedding(y))).toBeLessThan(t);
  });

  it('refuses a missing model file with a FaceshardError', async () => {
    await expect(createPipelineFromConfig({ detector: { kind: 'yunet', modelPath: '/nonexistent/yunet.onnx' } })).rejects.toBeInstanceOf(FaceshardError);
  });
});
