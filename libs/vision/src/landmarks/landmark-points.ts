import type { Box, FaceLandmarks, Point } from '../types';

/**
 * The 68-point (iBUG 300-W) layout that face-api's and dlib's landmark models share; "left"
 * means image-left. 0-16 jaw, 17-26 brows, 27-30 nose bridge, 31-35 nostrils, 36-41 image-left
 * eye, 42-47 image-right eye, 48-59 outer lips, 60-67 inner lips.
 */
export const IBUG68 = {
  leftEye: [36, 37, 38, 39, 40, 41],
  rightEye: [42, 43, 44, 45, 46, 47],
  noseTip: 30,
  mouthLeft: 48,
  mouthRight: 54,
} as const;

function mean(points: readonly Point[], indices: readonly number[]): Point {
  let x = 0;
  let y = 0;
  for (const i of indices) {
    x += points[i]!.x;
    y += points[i]!.y;
  }
  return { x: x / indices.length, y: y / indices.length };
}

/**
 * The five alignment points of ArcFace-family templates from 68 landmarks: eye centres (mean of
 * each eye's six points), nose tip, mouth corners. dlib's 5-point mean face was derived the same
 * way (its eye centres are the means of points 36-41 and 42-47 of its 68-point mean face).
 */
export function fivePointsFrom68(points: readonly Point[]): Required<Pick<FaceLandmarks, 'leftEye' | 'rightEye' | 'nose' | 'mouthLeft' | 'mouthRight'>> {
  if (points.length !== 68) throw new RangeError(`expected 68 points, got ${points.length}`);
  return {
    leftEye: mean(points, IBUG68.leftEye),
    rightEye: mean(points, IBUG68.rightEye),
    nose: points[IBUG68.noseTip]!,
    mouthLeft: points[IBUG68.mouthLeft]!,
    mouthRight: points[IBUG68.mouthRight]!,
  };
}

export function boundingBoxOf(points: readonly Point[]): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * How far the 68-point net's eyes, nose and mouth land from the detector's own keypoints, as a
 * fraction of the detector's eye distance (the largest of the four distances). A net that "cannot
 * place" a face (profile, occlusion, a false detection) puts its points somewhere the detector
 * did not; a NaN anywhere counts as infinitely far.
 */
export function disagreementWithDetector(points: readonly Point[], detector: FaceLandmarks): number {
  const five = fivePointsFrom68(points);
  const eyeDistance = Math.hypot(detector.rightEye.x - detector.leftEye.x, detector.rightEye.y - detector.leftEye.y);
  if (!(eyeDistance > 0)) return Infinity;
  const mouth = detector.mouthCenter ?? (detector.mouthLeft && detector.mouthRight ? midpoint(detector.mouthLeft, detector.mouthRight) : undefined);
  const pairs: Array<[Point, Point]> = [
    [five.leftEye, detector.leftEye],
    [five.rightEye, detector.rightEye],
    [five.nose, detector.nose],
  ];
  if (mouth) pairs.push([midpoint(five.mouthLeft, five.mouthRight), mouth]);
  let worst = 0;
  for (const [a, b] of pairs) {
    const d = Math.hypot(a.x - b.x, a.y - b.y);
    if (!Number.isFinite(d)) return Infinity;
    worst = Math.max(worst, d);
  }
  return worst / eyeDistance;
}

function midpoint(a: Point, b: Point): Point {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

/** Angle of the line from the image-left to the image-right eye, radians (y down: positive = clockwise). */
export function eyeLineAngle(leftEye: Point, rightEye: Point): number {
  return Math.atan2(rightEye.y - leftEye.y, rightEye.x - leftEye.x);
}

/** The eye line's angle of 68 points (their eye centres). */
export function eyeLineAngleOf68(points: readonly Point[]): number {
  return eyeLineAngle(mean(points, IBUG68.leftEye), mean(points, IBUG68.rightEye));
}

/** a - b wrapped to (-pi, pi]. */
export function angleBetween(a: number, b: number): number {
  let d = (a - b) % (2 * Math.PI);
  if (d > Math.PI) d -= 2 * Math.PI;
  if (d <= -Math.PI) d += 2 * Math.PI;
  return d;
}

/**
 * A sanity check of the net's points against the detector's BOX, for faces the detector saw tilted
 * far (cut along their eye line): there BlazeFace's keypoints can collapse (a face turned 90
 * degrees came back with its eyes 12 px apart in a 77-px box), so disagreementWithDetector would
 * overrule correct points. The net's eyes, nose and mouth corners must lie inside the box grown by a
 * quarter of its longer side on every side, and its eye distance must be 0.2-0.7 of that side (the
 * detector's own is 0.38-0.44 on upright LFW faces, 5th-95th percentile of 100 photos).
 */
export function placedInBox(points: readonly Point[], box: Box): boolean {
  const five = fivePointsFrom68(points);
  const side = Math.max(box.width, box.height);
  const margin = side / 4;
  const inside = (p: Point) => p.x >= box.x - margin && p.x <= box.x + box.width + margin && p.y >= box.y - margin && p.y <= box.y + box.height + margin;
  if (![five.leftEye, five.rightEye, five.nose, five.mouthLeft, five.mouthRight].every(inside)) return false; // NaN fails too
  const eyes = Math.hypot(five.rightEye.x - five.leftEye.x, five.rightEye.y - five.leftEye.y);
  return eyes >= 0.2 * side && eyes <= 0.7 * side;
}
