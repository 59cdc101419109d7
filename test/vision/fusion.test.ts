import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDetector,
  createLandmarker,
  createPipelineFromConfig,
  createRecognizer,
  FacePipeline,
  FusedRecognizer,
  fusedDlibArcFaceConfig,
  pickCenterFace,
  type FaceDetector,
  type FaceLandmarker,
  type FaceRecognizer,
  type WorkerFacePipeline,
} from '@faceshard/vision';
import { expectCode, lfwPhoto, MOBILEFACENET_MODEL, SHARED_ABSENT_REASON, SHARED_DIR, YUNET_MODEL } from './shared-fixtures';

const PAIRS: Array<[[string, number], [string, number]]> = [
  [['George_W_Bush', 1], ['George_W_Bush', 2]],
  [['Colin_Powell', 1], ['Colin_Powell', 5]],
  [['George_W_Bush', 1], ['Colin_Powell', 5]],
  [['Serena_Williams', 1], ['Abdullah_Gul', 13]],
];
const photo = (p: [string, number]) => readFileSync(lfwPhoto(p[0], p[1]));
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const W = 0.3;
/** The bring-your-own models are files a user supplies: without them these tests say so and skip. */
const MODELS_READY = SHARED_DIR !== undefined && existsSync(MOBILEFACENET_MODEL) && existsSync(YUNET_MODEL);

describe.skipIf(!MODELS_READY)(`Score fusion of dlib + MobileFaceNet on real LFW photos (YuNet, 68 landmarks)${MODELS_READY ? '' : ` (${SHARED_ABSENT_REASON})`}`, () => {
  let detector: FaceDetector;
  let landmarker: FaceLandmarker | undefined;
  let dlib: FaceRecognizer;
  let mfn: FaceRecognizer;
  let fused: FusedRecognizer;
  const pipelines = {} as Record<'dlib' | 'mfn' | 'fused', FacePipeline>;

  beforeAll(async () => {
    detector = await createDetector({ kind: 'yunet', modelPath: YUNET_MODEL });
    landmarker = await createLandmarker();
    dlib = await createRecognizer({ kind: 'dlib' });
    mfn = await createRecognizer({ kind: 'arcface', modelPath: MOBILEFACENET_MODEL, normalisation: 'imagenet', name: 'mobilefacenet' });
    fused = new FusedRecognizer([{ recognizer: dlib, weight: W }, { recognizer: mfn, weight: 1 - W }], 0.6);
    for (const [k, recognizer] of [['dlib', dlib], ['mfn', mfn], ['fused', fused]] as const) pipelines[k] = new FacePipeline({ detector, recognizer, landmarker });
  }, 120_000);
  afterAll(async () => {
    await pipelines.fused?.close(); // closes the detector, the landmarker and both members
  });

  const embed = async (k: keyof typeof pipelines, p: [string, number], flip = false) => pickCenterFace(await pipelines[k].analyze(photo(p), { flip }))!.embedding;

  it('makes one 256-D unit vector per face, named after its members', async () => {
    const e = await embed('fused', ['George_W_Bush', 1]);
    expect(fused.dimension).toBe(256);
    expect(fused.name).toBe('dlib-resnet-v1+mobilefacenet');
    expect(e.length).toBe(256);
    expect(dot(e, e)).toBeCloseTo(1, 5);
  });

  it('each member embeds its own crop: the fused dot product equals w * cos(dlib pipeline) + (1 - w) * cos(MobileFaceNet pipeline), with and without flip', async () => {
    for (const flip of [false, true]) {
      for (const [a, b] of PAIRS) {
        const fusedScore = dot(await embed('fused', a, flip), await embed('fused', b, flip));
        const dlibScore = dot(await embed('dlib', a, flip), await embed('dlib', b, flip));
        const mfnScore = dot(await embed('mfn', a, flip), await embed('mfn', b, flip));
        expect(fusedScore).toBeCloseTo(W * dlibScore + (1 - W) * mfnScore, 5);
      }
    }
  });

  it('refuses embed() with one crop per face: a fused recognizer needs each member\'s crop', async () => {
    await expectCode(fused.embed([]), 'INTERNAL');
  });
});

describe.skipIf(!MODELS_READY)(`fusedDlibArcFaceConfig on worker threads (createPipelineFromConfig)${MODELS_READY ? '' : ` (${SHARED_ABSENT_REASON})`}`, () => {
  let pipeline: WorkerFacePipeline;

  beforeAll(async () => {
    pipeline = await createPipelineFromConfig({
      detector: { kind: 'yunet', modelPath: YUNET_MODEL },
      recognizer: fusedDlibArcFaceConfig({ kind: 'arcface', modelPath: MOBILEFACENET_MODEL, normalisation: 'imagenet', name: 'mobilefacenet' }),
      limits: { maxConcurrent: 1 },
    });
  }, 120_000);
  afterAll(async () => {
    await pipeline?.close();
  });

  it('reports the fused model (256-D, its DevTrain threshold) and scores the same person above it, different people below', async () => {
    expect(pipeline.recognizerInfo).toMatchObject({ name: 'dlib-resnet-v1+mobilefacenet', dimension: 256, metric: 'cosine', inputSize: 150 });
    const t = pipeline.recognizerInfo.defaultThreshold;
    const e = async (p: [string, number]) => pickCenterFace(await pipeline.analyze(photo(p)))!.embedding;
    for (const [[a, b], same] of PAIRS.map((p, i) => [p, i < 2] as const)) {
      const s = dot(await e(a), await e(b));
      if (same) expect(s).toBeGreaterThan(t);
      else expect(s).toBeLessThan(t);
    }
  });
});
