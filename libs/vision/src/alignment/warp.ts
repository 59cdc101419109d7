import type { RgbImage } from '../types';
import { applySimilarity, type Similarity } from './similarity';

/**
 * Warps `image` into a `size` x `size` RGB crop. `outputToImage` maps an output pixel to the
 * source point it shows (inverse mapping: every output pixel is computed exactly once).
 * Bilinear sampling; pixels centred on integer coordinates (OpenCV's warpAffine convention,
 * which the ArcFace and dlib templates assume); outside the image is black.
 *
 * Pixels whose 2x2 neighbourhood lies inside the image (all of a face crop, nearly always) take a
 * branch-free path: the same four products summed in the same order as the edge path, so the
 * result is bit for bit what the edge path gives (the spec compares them with the one-path
 * version). It runs twice per face (the landmark crop and the dlib chip).
 */
export function warpSimilarity(image: RgbImage, outputToImage: Similarity, size: number): RgbImage {
  const { data, width, height } = image;
  const out = new Uint8Array(size * size * 3);
  const { a, b } = outputToImage;
  const stride = width * 3;
  const lastX = width - 1;
  const lastY = height - 1;
  for (let v = 0; v < size; v++) {
    // Walk the row incrementally: x, y advance by (a, b) per output pixel.
    const start = applySimilarity(outputToImage, { x: 0, y: v });
    let x = start.x;
    let y = start.y;
    let o = v * size * 3;
    for (let u = 0; u < size; u++, x += a, y += b, o += 3) {
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      if (x0 >= 0 && y0 >= 0 && x0 < lastX && y0 < lastY) {
        const i00 = y0 * stride + x0 * 3;
        const i01 = i00 + stride;
        out[o] = w00 * data[i00]! + w10 * data[i00 + 3]! + w01 * data[i01]! + w11 * data[i01 + 3]! + 0.5;
        out[o + 1] = w00 * data[i00 + 1]! + w10 * data[i00 + 4]! + w01 * data[i01 + 1]! + w11 * data[i01 + 4]! + 0.5;
        out[o + 2] = w00 * data[i00 + 2]! + w10 * data[i00 + 5]! + w01 * data[i01 + 2]! + w11 * data[i01 + 5]! + 0.5;
        continue;
      }
      if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) continue; // fully outside: stays black
      edgePixel(data, width, height, stride, x0, y0, w00, w10, w01, w11, out, o);
    }
  }
  return { data: out, width: size, height: size };
}

/** A pixel whose 2x2 neighbourhood is partly outside the image: the outside neighbours count as black. */
function edgePixel(
  data: Uint8Array,
  width: number,
  height: number,
  stride: number,
  x0: number,
  y0: number,
  w00: number,
  w10: number,
  w01: number,
  w11: number,
  out: Uint8Array,
  o: number,
): void {
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

/**
 * As warpSimilarity, but when the crop shrinks the source by more than 2x it first averages the
 * source region over f x f blocks (f = floor(scale)), as dlib's extract_image_chip goes down an
 * image pyramid: bilinear sampling alone would pick 4 pixels out of every f^2 and alias (a 600-px
 * face cut to a 112-px crop sees a different 1/30th of its pixels for a 1-pixel shift).
 * At scale <= 2 (every LFW face) it is exactly warpSimilarity.
 */
export function warpSimilarityAntialiased(image: RgbImage, outputToImage: Similarity, size: number): RgbImage {
  const scale = Math.hypot(outputToImage.a, outputToImage.b);
  if (scale <= 2) return warpSimilarity(image, outputToImage, size);
  const f = Math.floor(scale);
  // Source region the crop can see (its four corners), clipped to the image, one pixel of margin.
  const corners = [
    { x: 0, y: 0 },
    { x: size - 1, y: 0 },
    { x: 0, y: size - 1 },
    { x: size - 1, y: size - 1 },
  ].map((p) => applySimilarity(outputToImage, p));
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c.x))) - f);
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c.y))) - f);
  const x1 = Math.min(image.width, Math.ceil(Math.max(...corners.map((c) => c.x))) + f);
  const y1 = Math.min(image.height, Math.ceil(Math.max(...corners.map((c) => c.y))) + f);
  if (x1 - x0 < f || y1 - y0 < f) return warpSimilarity(image, outputToImage, size); // crop lies outside the image
  const small = boxDownsample(image, x0, y0, Math.floor((x1 - x0) / f), Math.floor((y1 - y0) / f), f);
  // Small pixel j averages source pixels x0 + j f .. x0 + j f + f - 1, centred at x0 + j f + (f - 1) / 2.
  const c = (f - 1) / 2;
  const t = outputToImage;
  return warpSimilarity(small, { a: t.a / f, b: t.b / f, tx: (t.tx - x0 - c) / f, ty: (t.ty - y0 - c) / f }, size);
}

/** Mean of f x f blocks of the region starting at (x0, y0): w x h output pixels. */
export function boxDownsample(image: RgbImage, x0: number, y0: number, w: number, h: number, f: number): RgbImage {
  const out = new Uint8Array(w * h * 3);
  const sums = new Float64Array(w * 3);
  const stride = image.width * 3;
  const inv = 1 / (f * f);
  for (let j = 0; j < h; j++) {
    sums.fill(0);
    for (let dy = 0; dy < f; dy++) {
      let s = (y0 + j * f + dy) * stride + x0 * 3;
      for (let i = 0; i < w; i++) {
        for (let dx = 0; dx < f; dx++, s += 3) {
          sums[i * 3] += image.data[s]!;
          sums[i * 3 + 1] += image.data[s + 1]!;
          sums[i * 3 + 2] += image.data[s + 2]!;
        }
      }
    }
    const o = j * w * 3;
    for (let k = 0; k < w * 3; k++) out[o + k] = sums[k]! * inv + 0.5;
  }
  return { data: out, width: w, height: h };
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
