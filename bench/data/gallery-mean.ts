/**
 * Gallery-mean subtraction: every embedding minus the mean of the gallery, then renormalised.
 * Face embeddings of one model share a large common component (different people still score
 * cosine ~0.84 with dlib); removing it spreads them over the sphere, which can both sharpen
 * identification and make HNSW's job easier. Pure; rows of flat Float32Arrays.
 */

/** Mean of `count` rows of `dimension` (float64 sums: a million rows must not lose precision). */
export function meanRow(vectors: Float32Array, dimension: number, count = vectors.length / dimension): Float64Array {
  if (!Number.isInteger(count) || count < 1 || count * dimension > vectors.length) throw new Error(`meanRow: need 1..${Math.floor(vectors.length / dimension)} rows, got ${count}`);
  const mean = new Float64Array(dimension);
  for (let row = 0; row < count; row++) {
    const off = row * dimension;
    for (let i = 0; i < dimension; i++) mean[i] += vectors[off + i];
  }
  for (let i = 0; i < dimension; i++) mean[i] /= count;
  return mean;
}

/**
 * In place: each row becomes normalise(row - mean). A row equal to the mean (nothing left to
 * point anywhere) becomes all zeros rather than NaN, and the count of such rows is returned.
 */
export function subtractMeanAndNormalise(vectors: Float32Array, mean: ArrayLike<number>): number {
  const dimension = mean.length;
  if (dimension === 0 || vectors.length % dimension !== 0) throw new Error(`subtractMeanAndNormalise: ${vectors.length} values are not rows of ${dimension}`);
  let degenerate = 0;
  const row = new Float64Array(dimension);
  for (let off = 0; off < vectors.length; off += dimension) {
    let norm2 = 0;
    for (let i = 0; i < dimension; i++) {
      const v = vectors[off + i] - mean[i];
      row[i] = v;
      norm2 += v * v;
    }
    if (norm2 === 0 || !Number.isFinite(norm2)) {
      vectors.fill(0, off, off + dimension);
      degenerate++;
      continue;
    }
    const inv = 1 / Math.sqrt(norm2);
    for (let i = 0; i < dimension; i++) vectors[off + i] = row[i] * inv;
  }
  return degenerate;
}
