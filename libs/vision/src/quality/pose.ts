import type { FaceLandmarks } from '../types';

/** Head pose guessed from 2-D keypoints, in degrees. Rough (no 3-D model), but monotonic in the true angle. */
export interface PoseEstimate {
  /** In-plane rotation of the eye line; positive = clockwise in the image (image-right eye lower). */
  roll: number;
  /** Left-right head turn; 0 = frontal, sign = the side the nose moved to in the image (+ = image-right). */
  yaw: number;
}

/**
 * Roll is the eye line's angle. Yaw: in a frontal face the nose tip projects onto the eye
 * midpoint; turning the head by yaw moves it sideways by about sin(yaw) x (half the eye
 * distance x ~1.0 for a typical nose depth), so yaw ~ asin(offset / (eyeDistance / 2)),
 * with the offset measured along the eye line (roll removed).
 */
export function estimatePose(l: FaceLandmarks): PoseEstimate {
  const ex = l.rightEye.x - l.leftEye.x;
  const ey = l.rightEye.y - l.leftEye.y;
  const eyeDistance = Math.hypot(ex, ey);
  if (eyeDistance === 0) return { roll: 0, yaw: 90 };
  const roll = (Math.atan2(ey, ex) * 180) / Math.PI;
  const mx = (l.leftEye.x + l.rightEye.x) / 2;
  const my = (l.leftEye.y + l.rightEye.y) / 2;
  const along = ((l.nose.x - mx) * ex + (l.nose.y - my) * ey) / eyeDistance;
  const ratio = Math.max(-1, Math.min(1, along / (eyeDistance / 2)));
  return { roll, yaw: (Math.asin(ratio) * 180) / Math.PI };
}

export function eyeDistance(l: FaceLandmarks): number {
  return Math.hypot(l.rightEye.x - l.leftEye.x, l.rightEye.y - l.leftEye.y);
}
