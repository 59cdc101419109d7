/** Scales v to unit L2 norm (a zero vector stays zero rather than turning into NaN). */
export function l2Normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  const out = new Float32Array(v.length);
  if (norm === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i] / norm;
  return out;
}

/** Splits a flat [n, dim] output into n L2-normalised rows. */
export function splitAndNormalise(flat: Float32Array, n: number, dim: number): Float32Array[] {
  if (flat.length !== n * dim) throw new RangeError(`output has ${flat.length} values, expected ${n}x${dim}`);
  const rows: Float32Array[] = [];
  for (let i = 0; i < n; i++) rows.push(l2Normalise(flat.subarray(i * dim, (i + 1) * dim)));
  return rows;
}

/** Cosine similarity; for unit vectors this is the dot product. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`length ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
