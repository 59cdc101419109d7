import * as ort from 'onnxruntime-node';
import { FaceshardError } from '@faceshard/contracts';
import type { DetectedFace, FaceDetector, RgbImage } from '../types';
import { createOnnxSession, type OnnxSessionSettings } from '../recognition/onnx-session';
import { renderOnCanvas } from './canvas';
import { detectionToImage, strideAlignedPlacement } from './input-geometry';
import { hardNms } from './nms';
import type { RawDetection } from './raw-detection';
import { decodeYuNet, YUNET_STRIDES, type YuNetLevel } from './yunet-decode';

export interface YuNetDetectorOptions {
  /** A user-supplied YuNet ONNX with dynamic input (e.g. yunet_n_dynamic.onnx from libfacedetection.train). */
  modelPath: string;
  /** Default 0.6 (OpenCV FaceDetectorYN's default score threshold is 0.9 for video; 0.6 finds more hard faces). */
  minScore?: number;
  /** Default 0.3, as the design note and OpenCV. */
  iouThreshold?: number;
  /** Photos are shrunk so their longest side is at most this before detection. Default 640. */
  maxInputSide?: number;
  maxFaces?: number;
  session?: OnnxSessionSettings;
}

/** YuNet (bring your own model): BGR 0..255 NCHW, any size that is a multiple of 32; five keypoints. */
export class YuNetDetector implements FaceDetector {
  readonly name = 'yunet';

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly options: Required<Omit<YuNetDetectorOptions, 'modelPath' | 'session'>>,
  ) {
    for (const s of YUNET_STRIDES) {
      for (const kind of ['cls', 'obj', 'bbox', 'kps']) {
        if (!session.outputNames.includes(`${kind}_${s}`)) {
          throw new FaceshardError('VALIDATION_FAILED', `not a YuNet model: output ${kind}_${s} missing`, { outputs: session.outputNames });
        }
      }
    }
  }

  static async create(options: YuNetDetectorOptions): Promise<YuNetDetector> {
    const session = await createOnnxSession(options.modelPath, options.session);
    try {
      return new YuNetDetector(session, {
        minScore: options.minScore ?? 0.6,
        iouThreshold: options.iouThreshold ?? 0.3,
        maxInputSide: options.maxInputSide ?? 640,
        maxFaces: options.maxFaces ?? 100,
      });
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  async detect(image: RgbImage): Promise<DetectedFace[]> {
    const placement = strideAlignedPlacement(image.width, image.height, this.options.maxInputSide);
    const canvas = await renderOnCanvas(image, placement);
    const { canvasWidth: w, canvasHeight: h } = placement;
    const plane = w * h;
    // NCHW, BGR, raw 0..255 floats (YuNet normalises inside the graph).
    const input = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      input[i] = canvas[i * 3 + 2]!;
      input[plane + i] = canvas[i * 3 + 1]!;
      input[2 * plane + i] = canvas[i * 3]!;
    }
    const out = await this.session.run({ [this.session.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, h, w]) });
    const levels: YuNetLevel[] = YUNET_STRIDES.map((s) => ({
      stride: s,
      cls: out[`cls_${s}`]!.data as Float32Array,
      obj: out[`obj_${s}`]!.data as Float32Array,
      bbox: out[`bbox_${s}`]!.data as Float32Array,
      kps: out[`kps_${s}`]!.data as Float32Array,
    }));
    const raw = decodeYuNet(levels, w, h, this.options.minScore);
    const kept = hardNms(raw, this.options.iouThreshold, this.options.maxFaces);
    return kept.map((d) => toDetectedFace(detectionToImage(d, placement, image.width, image.height)));
  }

  close(): Promise<void> {
    return this.session.release();
  }
}

function toDetectedFace(d: RawDetection): DetectedFace {
  const [leftEye, rightEye, nose, mouthLeft, mouthRight] = d.keypoints;
  return { box: d.box, score: d.score, landmarks: { leftEye: leftEye!, rightEye: rightEye!, nose: nose!, mouthLeft: mouthLeft!, mouthRight: mouthRight! } };
}
