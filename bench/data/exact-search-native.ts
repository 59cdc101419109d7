/**
 * Exact top-k by inner product with hnswlib's brute-force index (C++, SIMD): ~7x faster than the
 * JS scan of exact-search.ts, which is what makes ground truth for a million faces take a minute
 * rather than ten. Same contract as exactTopK (rows best first, -1 pads); ties may order
 * differently (float32 sums in another order), which no benchmark figure can see.
 */
import { BruteforceSearch } from 'hnswlib-node';
import type { FlatVectors, TopK } from './exact-search';

export function exactTopKNative(gallery: FlatVectors, queries: FlatVectors, k: number, onProgress?: (done: number) => void): TopK {
  if (gallery.dimension !== queries.dimension) throw new Error(`dimension mismatch: gallery ${gallery.dimension}, queries ${queries.dimension}`);
  if (!Number.isInteger(k) || k < 1) throw new Error('k must be a positive integer');
  const dim = gallery.dimension;
  const indices = new Int32Array(queries.count * k).fill(-1);
  const scores = new Float32Array(queries.count * k).fill(-Infinity);
  if (gallery.count === 0) return { k, count: queries.count, indices, scores };
  const index = new BruteforceSearch('ip', dim);
  index.initIndex(gallery.count);
  for (let row = 0; row < gallery.count; row++) index.addPoint(Array.from(gallery.vectors.subarray(row * dim, (row + 1) * dim)), row);
  const wanted = Math.min(k, gallery.count);
  for (let q = 0; q < queries.count; q++) {
    const { neighbors, distances } = index.searchKnn(Array.from(queries.vectors.subarray(q * dim, (q + 1) * dim)), wanted);
    // hnswlib answers nearest first; 'ip' distance = 1 - inner product.
    for (let r = 0; r < neighbors.length; r++) {
      indices[q * k + r] = neighbors[r];
      scores[q * k + r] = 1 - distances[r];
    }
    if (onProgress && (q + 1) % 100 === 0) onProgress(q + 1);
  }
  return { k, count: queries.count, indices, scores };
}
