import type { AlignmentTemplate, Point } from '../types';

/** ArcFace/insightface 112x112 template (image-left eye first), from the design note. */
export const ARCFACE_112_TEMPLATE: AlignmentTemplate = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

/** The ArcFace template for another square input size (all coordinates scale with the side). */
export function arcFaceTemplate(inputSize: number): AlignmentTemplate {
  return scaleTemplate(ARCFACE_112_TEMPLATE, inputSize / 112);
}

export function scaleTemplate(t: AlignmentTemplate, factor: number): AlignmentTemplate {
  const s = (p: Point): Point => ({ x: p.x * factor, y: p.y * factor });
  return [s(t[0]), s(t[1]), s(t[2]), s(t[3]), s(t[4])];
}

/**
 * dlib's mean-face points (normalised 0..1 within the face box), image-left first: eye centres,
 * nose tip, mouth corners. From the design note, derived from dlib's 5-point shape model.
 */
const DLIB_MEAN_FACE: ReadonlyArray<readonly [number, number]> = [
  [0.225492, 0.21599],
  [0.754761, 0.21599],
  [0.490127, 0.515625],
  [0.254149, 0.780233],
  [0.726104, 0.780233],
];

/** dlib face chip geometry: get_face_chip_details(size, padding 0.25) maps p to ((padding + p) / (1 + 2 padding)) * size. */
export function dlibChipTemplate(size = 150, padding = 0.25): AlignmentTemplate {
  const m = (p: readonly [number, number]): Point => ({
    x: ((padding + p[0]) / (1 + 2 * padding)) * size,
    y: ((padding + p[1]) / (1 + 2 * padding)) * size,
  });
  return [m(DLIB_MEAN_FACE[0]), m(DLIB_MEAN_FACE[1]), m(DLIB_MEAN_FACE[2]), m(DLIB_MEAN_FACE[3]), m(DLIB_MEAN_FACE[4])];
}

export const DLIB_150_TEMPLATE: AlignmentTemplate = dlibChipTemplate(150, 0.25);
