import type { RgbImage } from '../types';
import { applySimilarity, type Similarity } from './similarity';

/**
 * Warps `image` into a `size` x `size` RGB crop. `outputToImage` maps an output pixel to the
 * source point it shows (inverse mapping: every output pixel is computed exactly once).
 * Bilinear sampling; pixels centred on integer coordinates (OpenCV's warpAffine convention,
 * which the ArcFace and dlib templates assume); outside the image is black.
 */
export function warpSimilarity(image: RgbImage, outputToImage: Similarity, size: number): RgbImage {
  const { data, width, height } = image;
  const out = new Uint8Array(size * size * 3);
  const { a, b } = outputToImage;
  const stride = width * 3;
  for (let v = 0; v < size; v++) {
    // Walk the row incrementally: x, y advance by (a, b) per output pixel.
    const start = applySimilarity(outputToImage, { x: 0, y: v });
    let x = start.x;
    let y = start.y;
    let o = v * size * 3;
    for (let u = 0; u < size; u++, x += a, y += b, o += 3) {
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) continue; // fully outside: stays black
      const fx = x - x0;
      const fy = y - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const in0 = y0 >= 0;
      const in1 = y0 + 1 < height;
      const inL = x0 >= 0;
      const inR = x0 + 1 < width;
      const i00 = y0 * stride + x0 * 3;
      for (let c = 0; c < 3; c++) {
        let s = 0;
        if (in0 && inL) s += w00 * data[i00 + c]!;
        if (in0 && inR) s += w10 * data[i00 + 3 + c]!;
        if (in1 && inL) s += w01 * data[i00 + stride + c]!;
        if (in1 && inR) s += w11 * data[i00 + stride + 3 + c]!;
        out[o + c] = s + 0.5; // Uint8Array truncates; +0.5 rounds (s is within 0..255)
      }
    }
  }
  return { data: out, width: size, height: size };
}

/** Left-right mirror image (for test-time flip averaging of embeddings). */
export function mirrorHorizontally(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const s = row + x * 3;
      const d = row + (width - 1 - x) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { data: out, width, height };
}
