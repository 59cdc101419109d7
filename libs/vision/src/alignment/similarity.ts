import type { Point } from '../types';

/**
 * A 2-D similarity transform (rotation, uniform scale, translation; never a reflection):
 *   x' = a x - b y + tx
 *   y' = b x + a y + ty
 * with scale = hypot(a, b) and angle = atan2(b, a).
 */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export function applySimilarity(t: Similarity, p: Point): Point {
  return { x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty };
}

export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  if (d === 0) throw new RangeError('a similarity with zero scale has no inverse');
  // Inverse of the complex map z -> w z + t is z -> conj(w)/|w|^2 (z - t).
  const a = t.a / d;
  const b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/**
 * Least-squares similarity mapping `from[i]` onto `to[i]` (Umeyama 1991, "Least-squares
 * estimation of transformation parameters between two point patterns").
 *
 * In 2-D Umeyama's solution has a closed form: with centred points treated as complex numbers
 * p and q, the optimal scale-rotation is w = sum(conj(p) q) / sum(|p|^2), and the translation
 * maps the centroids. Umeyama's determinant correction (S = diag(1, -1) when det(Sigma) < 0)
 * is what keeps R a proper rotation; in the complex form w is a rotation-scale by
 * construction, so a mirrored point set gets the best proper rotation, never a reflection.
 */
export function estimateSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  const n = from.length;
  if (n !== to.length) throw new RangeError(`point counts differ: ${n} vs ${to.length}`);
  if (n < 2) throw new RangeError('need at least two point pairs');
  let fx = 0;
  let fy = 0;
  let gx = 0;
  let gy = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]!.x;
    fy += from[i]!.y;
    gx += to[i]!.x;
    gy += to[i]!.y;
  }
  fx /= n;
  fy /= n;
  gx /= n;
  gy /= n;
  let dot = 0; // sum Re(conj(p) q)
  let cross = 0; // sum Im(conj(p) q)
  let norm = 0; // sum |p|^2
  for (let i = 0; i < n; i++) {
    const px = from[i]!.x - fx;
    const py = from[i]!.y - fy;
    const qx = to[i]!.x - gx;
    const qy = to[i]!.y - gy;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm === 0) throw new RangeError('source points are all the same point');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: gx - (a * fx - b * fy), ty: gy - (b * fx + a * fy) };
}
