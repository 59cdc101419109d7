import type { AlignmentTemplate, FaceLandmarks, Point, RgbImage } from '../types';
import { estimateSimilarity, invertSimilarity, type Similarity } from './similarity';
import { warpSimilarity } from './warp';

/**
 * Pairs detected keypoints with template points. Five points when the detector gives mouth
 * corners (YuNet); with only a mouth centre (BlazeFace), four: eyes, nose, and the template's
 * mouth centre = mean of its two mouth corners.
 */
export function correspondences(landmarks: FaceLandmarks, template: AlignmentTemplate): { from: Point[]; to: Point[] } {
  const from: Point[] = [landmarks.leftEye, landmarks.rightEye, landmarks.nose];
  const to: Point[] = [template[0], template[1], template[2]];
  if (landmarks.mouthLeft && landmarks.mouthRight) {
    from.push(landmarks.mouthLeft, landmarks.mouthRight);
    to.push(template[3], template[4]);
  } else if (landmarks.mouthCenter) {
    from.push(landmarks.mouthCenter);
    to.push({ x: (template[3].x + template[4].x) / 2, y: (template[3].y + template[4].y) / 2 });
  }
  return { from, to };
}

/** The image-to-template similarity for one face. */
export function alignmentTransform(landmarks: FaceLandmarks, template: AlignmentTemplate): Similarity {
  const { from, to } = correspondences(landmarks, template);
  return estimateSimilarity(from, to);
}

/** Cuts the face out as an inputSize x inputSize RGB crop whose keypoints sit on the template. */
export function alignFace(image: RgbImage, landmarks: FaceLandmarks, template: AlignmentTemplate, inputSize: number): RgbImage {
  return warpSimilarity(image, invertSimilarity(alignmentTransform(landmarks, template)), inputSize);
}
