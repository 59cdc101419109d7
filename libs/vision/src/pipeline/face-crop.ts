import type { FaceLandmarks, FaceRecognizer, Point, RgbImage } from '../types';
import { alignFace, extractDlibChip } from '../alignment';
import { fivePointsFrom68 } from '../landmarks';

/**
 * The recognizer's crop of one face. From 68 points: a dlib face chip for recognizers trained on
 * them (dlibChipPadding set), else the recognizer's 5-point template fitted on the 5 points derived
 * from the 68 (ArcFace family). Without 68 points: the template fitted on the detector's keypoints.
 */
export function cutFaceCrop(
  image: RgbImage,
  detectorLandmarks: FaceLandmarks,
  points68: readonly Point[] | undefined,
  recognizer: Pick<FaceRecognizer, 'inputSize' | 'template' | 'dlibChipPadding'>,
): RgbImage {
  const { inputSize, template, dlibChipPadding } = recognizer;
  if (!points68) return alignFace(image, detectorLandmarks, template, inputSize);
  if (dlibChipPadding !== undefined) return extractDlibChip(image, points68, inputSize, dlibChipPadding);
  return alignFace(image, fivePointsFrom68(points68), template, inputSize);
}
