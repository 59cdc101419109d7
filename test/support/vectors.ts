/** Seeded random unit vectors for tests: the same seed gives the same data on every run. */
export function seededRandom(seed: number): () => number {
  // mulberry32: tiny, fast, good enough for test data (not for cryptography).
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomUnitVectors(count: number, dimension: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const v = new Float32Array(dimension);
    let norm = 0;
    for (let i = 0; i < dimension; i++) {
      // Box-Muller: Gaussian components give directions uniform on the sphere.
      const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      v[i] = g;
      norm += g * g;
    }
    norm = Math.sqrt(norm);
    for (let i = 0; i < dimension; i++) v[i] /= norm;
    return v;
  });
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Exact top-k ids by inner product: the ground truth the cluster's answers are checked against. */
export function exactTopK(query: Float32Array, gallery: Map<string, Float32Array>, k: number): string[] {
  return [...gallery]
    .map(([id, v]) => [id, dot(query, v)] as const)
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, k)
    .map(([id]) => id);
}
