import { FaceshardError } from '@faceshard/contracts';
import type { DetectedFace, FaceDetector, FaceRecognizer, Point, RgbImage } from '../types';
import { DEFAULT_DECODE_LIMITS, decodeImage, type DecodeLimits } from '../decode';
import { mirrorHorizontally } from '../alignment';
import { disagreementWithDetector, eyeLineAngle, placedInBox, type FaceLandmarker } from '../landmarks';
import { cutFaceCrop } from './face-crop';
import { judgeQuality, measureQuality } from '../quality';
import type { AnalyzedFace, AnalyzeOptions, FaceAnalysis, FaceAnalyzer, RecognizerInfo, StageTiming } from './analysis-types';
import { BoundedSemaphore } from './bounded-semaphore';
import { averageUnit } from './embedding-math';
import { FusedRecognizer, fusionMembers } from '../recognition/fused-recognizer';
import { requireSingleFace } from './single-face';

export interface PipelineLimits {
  decode: DecodeLimits;
  /** Photos processed at once (in FacePipeline: photos in flight; in WorkerFacePipeline: worker threads). Default 2 = cores. */
  maxConcurrent: number;
  /** Photos allowed to wait for a slot; beyond that analyze() rejects with BUSY. Default 32. */
  maxQueued: number;
  /** Faces embedded per photo at most (the highest-scoring ones). Default 32. */
  maxFaces: number;
}

export const DEFAULT_PIPELINE_LIMITS: PipelineLimits = {
  decode: DEFAULT_DECODE_LIMITS,
  maxConcurrent: 2,
  maxQueued: 32,
  maxFaces: 32,
};

/** Limits as callers give them: any subset, decode caps included. */
export type PipelineLimitsInput = Partial<Omit<PipelineLimits, 'decode'>> & { decode?: Partial<DecodeLimits> };

export function resolvePipelineLimits(input: PipelineLimitsInput = {}): PipelineLimits {
  return { ...DEFAULT_PIPELINE_LIMITS, ...input, decode: { ...DEFAULT_DECODE_LIMITS, ...input.decode } };
}

export interface FacePipelineParts {
  detector: FaceDetector;
  recognizer: FaceRecognizer;
  /** 68-point landmark net; without it crops are aligned on the detector's keypoints. */
  landmarker?: FaceLandmarker;
  limits?: PipelineLimitsInput;
}

/**
 * The landmark net "cannot place" a face when its eyes, nose or mouth land further from the
 * detector's than this many detector eye distances; the face is then aligned on the detector's
 * keypoints (see disagreementWithDetector; the rate on LFW is in bench/vision/README.md).
 * One eye distance, chosen on LFW DevTrain (accuracy-lab --fallback): with 0.35, 0.5 or 0.75 the
 * rule overruled the net on photos where the net was right (1-3 more DevTrain errors and a higher
 * false non-match rate for both shipped pipelines); at 1.0 it changes no DevTrain figure and still
 * catches a net that lands off the face. Faces the landmarker cut along their eye line
 * (FaceLandmarker.turnsCrop) are checked against the detector's box instead (placedInBox).
 */
export const MAX_LANDMARK_DISAGREEMENT = 1;

/**
 * decode -> detect -> align -> quality -> embed for one photo, in the calling thread.
 *
 * NOT off the event loop: onnxruntime-node 1.30's `session.run` returns a promise but runs the
 * model synchronously on the JS thread (dist/backend.js defers it with setImmediate, no worker),
 * measured: a 280 ms dlib batch let no timer fire. Servers should use WorkerFacePipeline
 * (createPipelineFromConfig / createDefaultPipeline), which runs one FacePipeline per worker
 * thread. This class is the engine inside each worker, and the in-process tool for benches.
 * Concurrency is capped with a bounded queue that answers BUSY rather than growing.
 */
export class FacePipeline implements FaceAnalyzer {
  readonly detector: FaceDetector;
  readonly recognizer: FaceRecognizer;
  readonly landmarker: FaceLandmarker | undefined;
  readonly limits: PipelineLimits;
  private readonly gate: BoundedSemaphore;

  constructor(parts: FacePipelineParts) {
    this.detector = parts.detector;
    this.recognizer = parts.recognizer;
    this.landmarker = parts.landmarker;
    this.limits = resolvePipelineLimits(parts.limits);
    this.gate = new BoundedSemaphore(this.limits.maxConcurrent, this.limits.maxQueued);
  }

  get detectorName(): string {
    return this.detector.name;
  }

  get recognizerInfo(): RecognizerInfo {
    const r = this.recognizer;
    return { name: r.name, dimension: r.dimension, metric: r.metric, defaultThreshold: r.defaultThreshold, inputSize: r.inputSize };
  }

  /** Every face in an encoded photo (JPEG/PNG/WebP). No face is an empty list, not an error. */
  analyze(imageBytes: Uint8Array, options: AnalyzeOptions = {}): Promise<FaceAnalysis> {
    return this.analyzeTimed(imageBytes, options).then((timed) => timed.analysis);
  }

  /** As analyze(), with when each stage ran (a few clock reads per photo: always measured). */
  analyzeTimed(imageBytes: Uint8Array, options: AnalyzeOptions = {}): Promise<{ analysis: FaceAnalysis; stages: StageTiming[] }> {
    return this.gate.run(async () => {
      const stages = new StageClock();
      const image = await stages.time('decode', () => decodeImage(imageBytes, this.limits.decode));
      return { analysis: await this.analyzeDecoded(image, options, stages), stages: stages.timings };
    });
  }

  /** As analyze(), for an already decoded image. */
  analyzeImage(image: RgbImage, options: AnalyzeOptions = {}): Promise<FaceAnalysis> {
    return this.gate.run(() => this.analyzeDecoded(image, options));
  }

  /**
   * The one face a caller means (the one nearest the centre). Throws NO_FACE when there is
   * none and FACE_QUALITY_TOO_LOW when it fails the policy.
   */
  async analyzeSingle(imageBytes: Uint8Array, options: Omit<AnalyzeOptions, 'onQualityFailure'> = {}): Promise<AnalyzedFace> {
    return requireSingleFace(await this.analyze(imageBytes, { ...options, onQualityFailure: 'mark' }));
  }

  async close(): Promise<void> {
    await Promise.all([closeIfPossible(this.detector), this.recognizer.close(), this.landmarker?.close()]);
  }

  private async analyzeDecoded(image: RgbImage, options: AnalyzeOptions, stages = new StageClock()): Promise<FaceAnalysis> {
    const detected = (await stages.time('detect', () => this.detector.detect(image))).sort((a, b) => b.score - a.score).slice(0, this.limits.maxFaces);
    const policy = options.qualityPolicy ?? {};
    // 'landmarks' (the 68-point net, its own stage so its cost shows in metrics and traces), then
    // 'align': the crops and their quality.
    const points68 = this.landmarker && detected.length > 0 ? await stages.time('landmarks', () => this.placeLandmarks(image, detected)) : detected.map(() => undefined);
    // One crop per recognizer (a fused recognizer's members each have their own); quality on the first.
    const members = fusionMembers(this.recognizer);
    const measured = await stages.time('align', async () => {
      return detected.map((face, i) => {
        const crops = members.map((m) => cutFaceCrop(image, face.landmarks, points68[i], m.recognizer));
        const q = measureQuality(face, crops[0]!);
        return { face, crops, points68: points68[i], quality: { ...q, ...judgeQuality(q, policy) } };
      });
    });
    const kept = options.onQualityFailure === 'filter' ? measured.filter((m) => m.quality.passed) : measured;
    if (kept.length === 0) return { width: image.width, height: image.height, faces: [] };

    // All faces of the photo (and their mirrors with flip) in one call per recognizer.
    const batches = members.map((_, r) => {
      const batch = kept.map((m) => m.crops[r]!);
      if (options.flip) batch.push(...kept.map((m) => mirrorHorizontally(m.crops[r]!)));
      return batch;
    });
    const perFace = (vectors: Float32Array[]): Float32Array[] => {
      if (vectors.length !== batches[0]!.length) throw new FaceshardError('INTERNAL', `recognizer returned ${vectors.length} vectors for ${batches[0]!.length} crops`);
      return options.flip ? kept.map((_, i) => averageUnit(vectors[i]!, vectors[i + kept.length]!)) : vectors;
    };
    const recognizer = this.recognizer;
    const embeddings = await stages.time('embed', async () =>
      recognizer instanceof FusedRecognizer ? recognizer.embedMembers(batches, perFace) : perFace(await recognizer.embed(batches[0]!)),
    );
    const faces = kept.map((m, i) => ({
      box: m.face.box,
      score: m.face.score,
      landmarks: m.face.landmarks,
      ...(m.points68 ? { landmarks68: m.points68 } : {}),
      alignedBy: m.points68 ? ('landmarks68' as const) : ('detector' as const),
      quality: m.quality,
      embedding: embeddings[i]!,
    }));
    return { width: image.width, height: image.height, faces };
  }

  /** 68 points per face, or undefined where there is no landmark net or it cannot place the face. */
  private async placeLandmarks(image: RgbImage, faces: readonly DetectedFace[]): Promise<Array<Point[] | undefined>> {
    if (!this.landmarker || faces.length === 0) return faces.map(() => undefined);
    const rolls = faces.map((f) => eyeLineAngle(f.landmarks.leftEye, f.landmarks.rightEye));
    const located = await this.landmarker.locate(image, faces.map((f) => f.box), rolls);
    const landmarker = this.landmarker;
    return located.map((points, i) => {
      const face = faces[i]!;
      // A face cut along its eye line: its detector keypoints may have collapsed (placedInBox).
      const placed = landmarker.turnsCrop(rolls[i]!) ? placedInBox(points, face.box) : disagreementWithDetector(points, face.landmarks) <= MAX_LANDMARK_DISAGREEMENT;
      return placed ? points : undefined;
    });
  }
}

/** Times the stages of one photo, relative to when its analysis started. */
class StageClock {
  readonly timings: StageTiming[] = [];
  private readonly origin = performance.now();

  async time<T>(stage: StageTiming['stage'], run: () => Promise<T>): Promise<T> {
    const startMs = performance.now() - this.origin;
    try {
      return await run();
    } finally {
      this.timings.push({ stage, startMs, endMs: performance.now() - this.origin });
    }
  }
}

async function closeIfPossible(detector: FaceDetector): Promise<void> {
  const closable = detector as FaceDetector & { close?: () => Promise<void> };
  if (typeof closable.close === 'function') await closable.close();
}
