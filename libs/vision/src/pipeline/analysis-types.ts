import type { Box, FaceLandmarks, Point } from '../types';
import type { FaceQuality, FaceQualityPolicy, QualityVerdict } from '../quality';

export interface AnalyzeOptions {
  /** Faces failing it are marked (quality.passed = false), or dropped with onQualityFailure 'filter'. */
  qualityPolicy?: FaceQualityPolicy;
  onQualityFailure?: 'mark' | 'filter';
  /** Average each face's embedding with its mirror image's (one batch, twice the recognizer work). */
  flip?: boolean;
}

export interface AnalyzedFace {
  box: Box;
  score: number;
  /** The detector's keypoints. */
  landmarks: FaceLandmarks;
  /** The 68-point net's landmarks (iBUG order, image pixels), when the pipeline has the net and it placed this face. */
  landmarks68?: Point[];
  /**
   * What the recognizer's crop was cut from: 'landmarks68' (the net's points), or 'detector' (its
   * keypoints: no landmark net configured, or the net's points disagreed with the detector's).
   */
  alignedBy: 'landmarks68' | 'detector';
  quality: FaceQuality & QualityVerdict;
  /** L2-normalised, recognizer dimension long. */
  embedding: Float32Array;
}

export interface FaceAnalysis {
  width: number;
  height: number;
  faces: AnalyzedFace[];
}

/**
 * When one stage of one photo ran, in milliseconds since that photo's analysis started (relative,
 * so that a worker thread's times can be placed on its parent's clock): the inference pool's
 * trace spans.
 */
export interface StageTiming {
  stage: 'decode' | 'detect' | 'landmarks' | 'align' | 'embed';
  startMs: number;
  endMs: number;
}

/** What a caller needs to know about the embeddings a pipeline produces. */
export interface RecognizerInfo {
  name: string;
  dimension: number;
  metric: 'cosine';
  /** Cosine similarity at or above which two faces are called the same person. */
  defaultThreshold: number;
  inputSize: number;
}

/** The pipeline as the rest of the platform uses it, in-process (FacePipeline) or on worker threads (WorkerFacePipeline). */
export interface FaceAnalyzer {
  readonly detectorName: string;
  readonly recognizerInfo: RecognizerInfo;
  /** Every face in an encoded photo (JPEG/PNG/WebP). No face is an empty list, not an error. */
  analyze(imageBytes: Uint8Array, options?: AnalyzeOptions): Promise<FaceAnalysis>;
  /** The face nearest the centre; NO_FACE when none, FACE_QUALITY_TOO_LOW when it fails the policy. */
  analyzeSingle(imageBytes: Uint8Array, options?: Omit<AnalyzeOptions, 'onQualityFailure'>): Promise<AnalyzedFace>;
  close(): Promise<void>;
}
