import type { DetectedFace, RgbImage } from '../types';
import { estimatePose, eyeDistance } from './pose';
import { laplacianVariance } from './sharpness';

/** Measurements a caller can gate enrolment or search on. */
export interface FaceQuality {
  /** Detector confidence, 0..1. */
  score: number;
  /** Shorter side of the detection box, in image pixels. */
  faceSize: number;
  /** Distance between the eye centres, in image pixels (consistent across detectors, unlike boxes). */
  eyeDistance: number;
  /** Variance of the Laplacian on the aligned grey crop. */
  sharpness: number;
  /** Degrees, from keypoints (see pose.ts). */
  yaw: number;
  roll: number;
}

/** Minimums (and maximum angles) a face must meet; unset fields are not checked. */
export interface FaceQualityPolicy {
  minScore?: number;
  minFaceSize?: number;
  minEyeDistance?: number;
  minSharpness?: number;
  maxAbsYaw?: number;
  maxAbsRoll?: number;
}

export interface QualityVerdict {
  passed: boolean;
  /** Which checks failed, e.g. ['faceSize', 'sharpness']. */
  failures: Array<keyof FaceQuality>;
}

export function measureQuality(face: DetectedFace, alignedCrop: RgbImage): FaceQuality {
  const pose = estimatePose(face.landmarks);
  return {
    score: face.score,
    faceSize: Math.min(face.box.width, face.box.height),
    eyeDistance: eyeDistance(face.landmarks),
    sharpness: laplacianVariance(alignedCrop),
    yaw: pose.yaw,
    roll: pose.roll,
  };
}

export function judgeQuality(q: FaceQuality, policy: FaceQualityPolicy): QualityVerdict {
  const failures: Array<keyof FaceQuality> = [];
  if (policy.minScore !== undefined && q.score < policy.minScore) failures.push('score');
  if (policy.minFaceSize !== undefined && q.faceSize < policy.minFaceSize) failures.push('faceSize');
  if (policy.minEyeDistance !== undefined && q.eyeDistance < policy.minEyeDistance) failures.push('eyeDistance');
  if (policy.minSharpness !== undefined && q.sharpness < policy.minSharpness) failures.push('sharpness');
  if (policy.maxAbsYaw !== undefined && Math.abs(q.yaw) > policy.maxAbsYaw) failures.push('yaw');
  if (policy.maxAbsRoll !== undefined && Math.abs(q.roll) > policy.maxAbsRoll) failures.push('roll');
  return { passed: failures.length === 0, failures };
}
