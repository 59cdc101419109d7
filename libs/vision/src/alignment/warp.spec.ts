import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../types';
import { alignFace, correspondences } from './align-face';
import { applySimilarity, estimateSimilarity, invertSimilarity } from './similarity';
import { mirrorHorizontally, warpSimilarity, warpSimilarityAntialiased } from './warp';

/** A synthetic image whose pixel value encodes its coordinates: R = x, G = y, B = x + y (mod 256). */
function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = x;
      data[i + 1] = y;
      data[i + 2] = (x + y) % 256;
    }
  return { data, width, height };
}

const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('warpSimilarity', () => {
  it('with the identity copies the image', () => {
    const img = gradient(40, 30);
    const out = warpSimilarity(img, { a: 1, b: 0, tx: 0, ty: 0 }, 30);
    expect(px(out, 5, 7)).toEqual([5, 7, 12]);
    expect(px(out, 29, 29)).toEqual([29, 29, 58]);
  });

  it('translates by whole pixels and interpolates half pixels bilinearly', () => {
    const img = gradient(40, 40);
    expect(px(warpSimilarity(img, { a: 1, b: 0, tx: 10, ty: 3 }, 10), 2, 4)).toEqual([12, 7, 19]);
    // Half a pixel right: R is the mean of x and x+1 = x + 0.5, rounded up.
    expect(px(warpSimilarity(img, { a: 1, b: 0, tx: 10.5, ty: 0 }, 10), 0, 0)).toEqual([11, 0, 11]);
  });

  it('scales by 2 (each output pixel samples every other source pixel)', () => {
    const img = gradient(64, 64);
    const out = warpSimilarity(img, { a: 2, b: 0, tx: 0, ty: 0 }, 20);
    expect(px(out, 7, 3)).toEqual([14, 6, 20]);
  });

  it('rotates by 90 degrees', () => {
    const img = gradient(20, 20);
    // output (u, v) shows image point (19 - v, u): x' = -y + 19, y' = x
    const out = warpSimilarity(img, { a: 0, b: 1, tx: 19, ty: 0 }, 20);
    expect(px(out, 3, 5)).toEqual([14, 3, 17]);
  });

  it('paints outside the image black', () => {
    const img = gradient(10, 10);
    const out = warpSimilarity(img, { a: 1, b: 0, tx: 50, ty: 50 }, 4);
    expect(Array.from(out.data).every((v) => v === 0)).toBe(true);
  });
});

describe('alignFace', () => {
  it('puts the detected keypoints on the template', () => {
    // A face drawn at known places: put a bright dot at each landmark, align, and find the dots on the template.
    const w = 200;
    const h = 200;
    const data = new Uint8Array(w * h * 3);
    const landmarks = { leftEye: { x: 80, y: 90 }, rightEye: { x: 130, y: 100 }, nose: { x: 100, y: 120 }, mouthLeft: { x: 82, y: 145 }, mouthRight: { x: 122, y: 152 } };
    const template = [
      { x: 38.2946, y: 51.6963 },
      { x: 73.5318, y: 51.5014 },
      { x: 56.0252, y: 71.7366 },
      { x: 41.5493, y: 92.3655 },
      { x: 70.7299, y: 92.2041 },
    ] as const;
    const { from, to } = correspondences(landmarks, template);
    expect(from).toHaveLength(5);
    const crop = alignFace({ data, width: w, height: h }, landmarks, template, 112);
    expect(crop.width).toBe(112);
    expect(crop.data.length).toBe(112 * 112 * 3);
    // Geometry: the transform used maps each landmark near its template point (residual of a 4-dof fit to 5 points).
    const t = estimateSimilarity(from, to);
    from.forEach((p, i) => {
      const q = applySimilarity(t, p);
      expect(Math.hypot(q.x - to[i]!.x, q.y - to[i]!.y)).toBeLessThan(6);
    });
    expect(applySimilarity(invertSimilarity(t), applySimilarity(t, from[0]!)).x).toBeCloseTo(80, 9);
  });

  it('uses four points with a mouth centre, against the mean of the template mouth corners', () => {
    const template = [
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 5, y: 5 },
      { x: 2, y: 10 },
      { x: 8, y: 12 },
    ] as const;
    const { from, to } = correspondences({ leftEye: { x: 0, y: 0 }, rightEye: { x: 1, y: 0 }, nose: { x: 0.5, y: 0.5 }, mouthCenter: { x: 0.5, y: 1 } }, template);
    expect(from).toHaveLength(4);
    expect(to[3]).toEqual({ x: 5, y: 11 });
  });

  it('maps a synthetic image so that template pixels show the landmark pixels', () => {
    const img = gradient(200, 200);
    const landmarks = { leftEye: { x: 60, y: 70 }, rightEye: { x: 100, y: 70 }, nose: { x: 80, y: 90 }, mouthLeft: { x: 64, y: 110 }, mouthRight: { x: 96, y: 110 } };
    // Template = landmarks scaled by 0.5 around the origin, shifted: an exact similarity.
    const template = [landmarks.leftEye, landmarks.rightEye, landmarks.nose, landmarks.mouthLeft, landmarks.mouthRight].map((p) => ({ x: p.x / 2 - 10, y: p.y / 2 - 5 })) as unknown as readonly [
      { x: number; y: number },
      { x: number; y: number },
      { x: number; y: number },
      { x: number; y: number },
      { x: number; y: number },
    ];
    const crop = alignFace(img, landmarks, template, 64);
    // Template left eye (20, 30) shows image pixel (60, 70).
    expect(px(crop, 20, 30)).toEqual([60, 70, 130]);
    expect(px(crop, 30, 40)).toEqual([80, 90, 170]);
  });
});

/**
 * warpSimilarity as it was written before its inside-the-image fast path: one path for every
 * pixel, neighbours outside the image counted as black. The fast path must give the same bytes
 * (embeddings and calibrations were measured on this one).
 */
function warpSimilarityOnePath(image: RgbImage, t: { a: number; b: number; tx: number; ty: number }, size: number): Uint8Array {
  const { data, width, height } = image;
  const out = new Uint8Array(size * size * 3);
  // A neighbour's value, or undefined outside the image (it then adds nothing).
  const at = (x: number, y: number, c: number) => (x >= 0 && y >= 0 && x < width && y < height ? data[(y * width + x) * 3 + c]! : undefined);
  for (let v = 0; v < size; v++) {
    const p = applySimilarity(t, { x: 0, y: v });
    for (let u = 0; u < size; u++, p.x += t.a, p.y += t.b) {
      const x0 = Math.floor(p.x);
      const y0 = Math.floor(p.y);
      if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) continue;
      const fx = p.x - x0;
      const fy = p.y - y0;
      const taps: Array<[number, number, number]> = [
        [x0, y0, (1 - fx) * (1 - fy)],
        [x0 + 1, y0, fx * (1 - fy)],
        [x0, y0 + 1, (1 - fx) * fy],
        [x0 + 1, y0 + 1, fx * fy],
      ];
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (const [x, y, w] of taps) {
          const value = at(x, y, c);
          if (value !== undefined) s += w * value;
        }
        out[(v * size + u) * 3 + c] = s + 0.5;
      }
    }
  }
  return out;
}

describe('warpSimilarity fast path', () => {
  it('gives the same bytes as the one-path warp for any image and similarity, edges and outside included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        fc.double({ min: -30, max: 30, noNaN: true }),
        fc.double({ min: -30, max: 30, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (width, height, size, scale, angle, tx, ty, seed) => {
          const data = new Uint8Array(width * height * 3);
          let r = seed;
          for (let i = 0; i < data.length; i++) data[i] = (r = (r * 1103515245 + 12345) >>> 0) >>> 24;
          const image: RgbImage = { data, width, height };
          const t = { a: scale * Math.cos(angle), b: scale * Math.sin(angle), tx, ty };
          expect(warpSimilarity(image, t, size).data).toEqual(warpSimilarityOnePath(image, t, size));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('mirrorHorizontally', () => {
  it('swaps columns and is its own inverse', () => {
    const img = gradient(5, 3);
    const m = mirrorHorizontally(img);
    expect(px(m, 0, 1)).toEqual([4, 1, 5]);
    expect(mirrorHorizontally(m).data).toEqual(img.data);
  });
});

describe('warpSimilarityAntialiased', () => {
  it('is exactly warpSimilarity when the crop shrinks the image by 2x or less', () => {
    const img = gradient(200, 200);
    const t = { a: 1.9, b: 0.3, tx: 5, ty: 7 };
    expect(warpSimilarityAntialiased(img, t, 60).data).toEqual(warpSimilarity(img, t, 60).data);
  });

  it('averages a fine pattern to its mean instead of aliasing it when shrinking by more than 2x', () => {
    // 1-pixel vertical stripes, black and white: 4x shrink must give mid-grey, plain bilinear gives stripes.
    const w = 400;
    const data = new Uint8Array(w * w * 3);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) data.fill(x % 2 ? 255 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const img: RgbImage = { data, width: w, height: w };
    const t = { a: 4, b: 0, tx: 0, ty: 0 };
    const smooth = warpSimilarityAntialiased(img, t, 90);
    const aliased = warpSimilarity(img, t, 90);
    for (const x of [10, 33, 70]) {
      expect(Math.abs(px(smooth, x, 40)[0]! - 127.5)).toBeLessThan(2);
      expect([0, 255]).toContain(px(aliased, x, 40)[0]);
    }
  });

  it('keeps geometry: a smooth gradient comes out where plain bilinear puts it', () => {
    const img = gradient(250, 250);
    const t = { a: 2.5, b: 0, tx: 3, ty: 4 };
    const smooth = warpSimilarityAntialiased(img, t, 80);
    const plain = warpSimilarity(img, t, 80);
    for (const [x, y] of [[10, 10], [40, 60], [70, 20]] as const) {
      expect(Math.abs(px(smooth, x, y)[0]! - px(plain, x, y)[0]!)).toBeLessThanOrEqual(1);
      expect(Math.abs(px(smooth, x, y)[1]! - px(plain, x, y)[1]!)).toBeLessThanOrEqual(1);
    }
  });
});
