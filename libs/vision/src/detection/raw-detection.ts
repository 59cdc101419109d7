import type { Box, Point } from '../types';

/** A detection before it is mapped to FaceLandmarks: box, score and the model's keypoints in its own order. */
export interface RawDetection {
  box: Box;
  score: number;
  keypoints: Point[];
}
