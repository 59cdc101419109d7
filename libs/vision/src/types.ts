/**
 * The seams of the face pipeline: decode -> detect -> align -> embed.
 * Detectors and recognizers are interfaces so that a user can bring their own ONNX models.
 */

/** Interleaved 8-bit RGB, row-major, no padding: data.length === width * height * 3. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Keypoints in image pixels. "Left"/"right" mean image-left/image-right (so `leftEye` is
 * the subject's right eye), which is how YuNet and the alignment templates list them.
 * A detector that finds one mouth point (BlazeFace) gives `mouthCenter` and no corners.
 */
export interface FaceLandmarks {
  leftEye: Point;
  rightEye: Point;
  nose: Point;
  mouthLeft?: Point;
  mouthRight?: Point;
  mouthCenter?: Point;
}

export interface DetectedFace {
  box: Box;
  /** Detector confidence in [0, 1]. */
  score: number;
  landmarks: FaceLandmarks;
}

export interface FaceDetector {
  readonly name: string;
  detect(image: RgbImage): Promise<DetectedFace[]>;
}

/** Five template points in recognizer-input pixels: left eye, right eye, nose, mouth left, mouth right. */
export type AlignmentTemplate = readonly [Point, Point, Point, Point, Point];

export interface FaceRecognizer {
  readonly name: string;
  /** Square input side in pixels (150 for dlib, 112 for ArcFace-family). */
  readonly inputSize: number;
  readonly dimension: number;
  readonly metric: 'cosine';
  /** Cosine similarity at or above which two faces are called the same person. */
  readonly defaultThreshold: number;
  readonly template: AlignmentTemplate;
  /**
   * Set by recognizers trained on dlib face chips (the dlib ResNet): with 68 landmarks, crops are
   * cut as dlib's get_face_chip_details does, with this padding, instead of on `template`.
   */
  readonly dlibChipPadding?: number;
  /**
   * Embeds aligned crops (each inputSize x inputSize RGB). Batches internally where it pays.
   * Returns one L2-normalised vector per crop, in order.
   */
  embed(crops: RgbImage[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}
