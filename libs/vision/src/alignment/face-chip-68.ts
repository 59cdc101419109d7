import type { Point, RgbImage } from '../types';
import { estimateSimilarity, type Similarity } from './similarity';
import { warpSimilarityAntialiased } from './warp';

/**
 * dlib's mean face shape for landmarks 17..67 (dlib/image_transforms/interpolation.h,
 * get_face_chip_details), normalised to the face box: the template dlib's face chips (and so the
 * training crops of its ResNet) are cut to.
 */
const MEAN_FACE_X_17_67 = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127, 0.490127, 0.490127,
  0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647,
  0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159,
  0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
] as const;
const MEAN_FACE_Y_17_67 = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352, 0.307009,
  0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733, 0.245099, 0.244077,
  0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233,
  0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
] as const;

/**
 * The landmarks dlib fits the chip on: 27..54 and 60..64 (nose, eyes, outer upper lip, inner
 * upper lip). It skips the jaw (0..16, not in the mean face at all), the brows (17..26) and the
 * lower lip (55..59, 65..67): the parts that move with expression or are placed least reliably.
 */
export const DLIB_CHIP_LANDMARKS: readonly number[] = Array.from({ length: 68 }, (_, i) => i).filter(
  (i) => i >= 27 && !(i >= 55 && i <= 59) && !(i >= 65 && i <= 67),
);

/** Where landmark i sits on a size x size dlib chip with the given padding: ((padding + p) / (1 + 2 padding)) * size. */
export function dlibChipPoint(i: number, size: number, padding: number): Point {
  if (i < 17 || i > 67) throw new RangeError(`dlib's mean face covers landmarks 17..67, not ${i}`);
  return {
    x: ((padding + MEAN_FACE_X_17_67[i - 17]!) / (1 + 2 * padding)) * size,
    y: ((padding + MEAN_FACE_Y_17_67[i - 17]!) / (1 + 2 * padding)) * size,
  };
}

/**
 * The chip-to-image similarity of dlib's get_face_chip_details: a least-squares fit of the chip
 * template points ONTO the image landmarks (that direction, as dlib fits it; fitting image onto
 * chip and inverting weighs the residuals differently).
 */
export function dlibChipTransform(points68: readonly Point[], size: number, padding: number): Similarity {
  if (points68.length !== 68) throw new RangeError(`expected 68 points, got ${points68.length}`);
  const from = DLIB_CHIP_LANDMARKS.map((i) => dlibChipPoint(i, size, padding));
  const to = DLIB_CHIP_LANDMARKS.map((i) => points68[i]!);
  return estimateSimilarity(from, to);
}

/** Cuts a size x size dlib face chip (as dlib's extract_image_chip would) from 68 landmarks. */
export function extractDlibChip(image: RgbImage, points68: readonly Point[], size: number, padding: number): RgbImage {
  return warpSimilarityAntialiased(image, dlibChipTransform(points68, size, padding), size);
}
