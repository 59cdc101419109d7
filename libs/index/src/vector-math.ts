import { FaceshardError } from '@faceshard/contracts';
import type { Metric } from '@faceshard/contracts';

/**
 * Checks a vector against a collection's dimension and turns it into the plain number[]
 * hnswlib-node takes, L2-normalised for cosine (the index uses space 'ip' for both metrics,
 * so cosine similarity is the inner product of normalised vectors).
 */
export function prepareVector(vector: unknown, dimension: number, metric: Metric, what = 'vector'): number[] {
  return prepareVectorInto(vector, new Array<number>(dimension), dimension, metric, what);
}

/**
 * prepareVector writing into `out` (length = dimension) instead of a new array: a search reuses
 * one buffer per collection, since hnswlib-node copies the array's values before it searches.
 */
export function prepareVectorInto(vector: unknown, out: number[], dimension: number, metric: Metric, what = 'vector'): number[] {
  if (!(vector instanceof Float32Array)) {
    throw new FaceshardError('INVALID_VECTOR', `${what} must be a Float32Array`);
  }
  if (vector.length !== dimension) {
    throw new FaceshardError('DIMENSION_MISMATCH', `${what} has ${vector.length} dimensions, collection expects ${dimension}`, {
      expected: dimension,
      actual: vector.length,
    });
  }
  let squaredNorm = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i];
    if (!Number.isFinite(x)) throw new FaceshardError('INVALID_VECTOR', `${what} holds a non-finite value at ${i}`);
    squaredNorm += x * x;
  }
  if (metric === 'cosine') {
    if (!(squaredNorm > 0) || !Number.isFinite(squaredNorm)) {
      throw new FaceshardError('INVALID_VECTOR', `${what} has zero (or overflowing) norm; cannot normalise for cosine`);
    }
    const inv = 1 / Math.sqrt(squaredNorm);
    for (let i = 0; i < dimension; i++) out[i] = vector[i] * inv;
  } else {
    for (let i = 0; i < dimension; i++) out[i] = vector[i];
  }
  return out;
}

/**
 * Inner product of two vectors of the same length. Four partial sums: one running sum makes
 * every addition wait for the one before (a 128-D product then takes ~4x longer), and the
 * pinned faces' exact scan (CollectionIndex) runs one per pinned face on every search.
 */
export function dotProduct(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; i++) s0 += a[i] * b[i];
  return s0 + s1 + (s2 + s3);
}
