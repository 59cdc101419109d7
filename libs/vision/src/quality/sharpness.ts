import type { RgbImage } from '../types';

/**
 * Variance of the 4-neighbour Laplacian of the grey image (Pech-Pacheco et al. 2000): low on
 * blurred faces, high on sharp ones. Computed on the aligned crop so that it compares faces at
 * one scale; the value depends on the crop size (150 for dlib, 112 for ArcFace).
 */
export function laplacianVariance(image: RgbImage): number {
  const { width, height, data } = image;
  if (width < 3 || height < 3) return 0;
  const grey = new Float32Array(width * height);
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) grey[i] = 0.299 * data[j]! + 0.587 * data[j + 1]! + 0.114 * data[j + 2]!;
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const l = grey[i - 1]! + grey[i + 1]! + grey[i - width]! + grey[i + width]! - 4 * grey[i]!;
      sum += l;
      sumSq += l * l;
      n++;
    }
  }
  const mean = sum / n;
  return Math.max(0, sumSq / n - mean * mean);
}
