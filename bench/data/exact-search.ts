/**
 * Exact (brute-force) nearest neighbours by inner product: the ground truth that approximate
 * search is scored against. On unit vectors inner product = cosine similarity.
 */

/** Vectors as one flat Float32Array, row i at [i*dimension, (i+1)*dimension). */
export interface FlatVectors {
  dimension: number;
  count: number;
  vectors: Float32Array;
}

/** Top-k lists of `count` queries, flat: query q's ranks at [q*k, (q+1)*k), best first; -1 pads short lists. */
export interface TopK {
  k: number;
  count: number;
  indices: Int32Array;
  scores: Float32Array;
}

/** Queries scored together per pass over the gallery: a gallery row is read once for the whole block. */
const QUERY_BLOCK = 8;

/**
 * The k gallery rows with the largest inner product with each query. Ties keep the lower row.
 * `onProgress(done)` is called after each block of queries (brute force at 100k x 2k takes a while).
 */
export function exactTopK(gallery: FlatVectors, queries: FlatVectors, k: number, onProgress?: (done: number) => void): TopK {
  if (gallery.dimension !== queries.dimension) throw new Error(`dimension mismatch: gallery ${gallery.dimension}, queries ${queries.dimension}`);
  if (!Number.isInteger(k) || k < 1) throw new Error('k must be a positive integer');
  const dim = gallery.dimension;
  const g = gallery.vectors;
  const q = queries.vectors;
  const indices = new Int32Array(queries.count * k).fill(-1);
  const scores = new Float32Array(queries.count * k).fill(-Infinity);
  // Working lists in float64 so that comparisons see exactly the scores computed.
  const best = new Float64Array(QUERY_BLOCK * k);
  const bestIdx = new Int32Array(QUERY_BLOCK * k);

  for (let q0 = 0; q0 < queries.count; q0 += QUERY_BLOCK) {
    const block = Math.min(QUERY_BLOCK, queries.count - q0);
    best.fill(-Infinity);
    bestIdx.fill(-1);
    for (let row = 0; row < gallery.count; row++) {
      const gOff = row * dim;
      for (let b = 0; b < block; b++) {
        const score = dot(g, gOff, q, (q0 + b) * dim, dim);
        const base = b * k;
        if (score <= best[base + k - 1]) continue;
        // Insert into the sorted list, shifting worse entries down.
        let pos = base + k - 1;
        while (pos > base && best[pos - 1] < score) {
          best[pos] = best[pos - 1];
          bestIdx[pos] = bestIdx[pos - 1];
          pos--;
        }
        best[pos] = score;
        bestIdx[pos] = row;
      }
    }
    for (let b = 0; b < block; b++) {
      for (let r = 0; r < k; r++) {
        indices[(q0 + b) * k + r] = bestIdx[b * k + r];
        scores[(q0 + b) * k + r] = best[b * k + r];
      }
    }
    onProgress?.(q0 + block);
  }
  return { k, count: queries.count, indices, scores };
}

/** Inner product of two rows of flat arrays, unrolled by 4 (dimension need not be a multiple of 4). */
export function dot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += a[aOff + i] * b[bOff + i];
    s1 += a[aOff + i + 1] * b[bOff + i + 1];
    s2 += a[aOff + i + 2] * b[bOff + i + 2];
    s3 += a[aOff + i + 3] * b[bOff + i + 3];
  }
  for (; i < dim; i++) s0 += a[aOff + i] * b[bOff + i];
  return s0 + s1 + s2 + s3;
}

/**
 * Maps row-level top lists to identity-level ones: each identity keeps its best row, in order,
 * up to k. With at most f rows per identity, a row list of length k·f always yields k identities.
 */
export function collapseToIdentities(rows: TopK, identityOfRow: Int32Array, k: number): TopK {
  const indices = new Int32Array(rows.count * k).fill(-1);
  const scores = new Float32Array(rows.count * k).fill(-Infinity);
  for (let q = 0; q < rows.count; q++) {
    let filled = 0;
    for (let r = 0; r < rows.k && filled < k; r++) {
      const row = rows.indices[q * rows.k + r];
      if (row < 0) break;
      const id = identityOfRow[row];
      let seen = false;
      for (let j = 0; j < filled; j++) if (indices[q * k + j] === id) seen = true;
      if (seen) continue;
      indices[q * k + filled] = id;
      scores[q * k + filled] = rows.scores[q * rows.k + r];
      filled++;
    }
  }
  return { k, count: rows.count, indices, scores };
}

/**
 * Mean over queries of |found top-k ∩ true top-k| / |true top-k|. `found` holds `foundK` entries
 * per query (only the first k count), -1 padding ignored.
 */
export function recallAtK(found: Int32Array, foundK: number, truth: TopK, k: number): number {
  if (k > truth.k) throw new Error(`truth holds only ${truth.k} per query, asked recall@${k}`);
  if (k > foundK) throw new Error(`found holds only ${foundK} per query, asked recall@${k}`);
  if (found.length !== truth.count * foundK) throw new Error('found and truth disagree on the number of queries');
  if (truth.count === 0) return NaN;
  let sum = 0;
  for (let q = 0; q < truth.count; q++) {
    const expected = new Set<number>();
    for (let r = 0; r < k; r++) {
      const id = truth.indices[q * truth.k + r];
      if (id >= 0) expected.add(id);
    }
    if (expected.size === 0) {
      sum += 1;
      continue;
    }
    let hits = 0;
    const counted = new Set<number>();
    for (let r = 0; r < k; r++) {
      const id = found[q * foundK + r];
      if (id >= 0 && expected.has(id) && !counted.has(id)) {
        counted.add(id);
        hits++;
      }
    }
    sum += hits / expected.size;
  }
  return sum / truth.count;
}

/**
 * Share of probes of enrolled people (trueIdentity >= 0) whose first answer is that person.
 * Probes of people not enrolled (-1) are left out. NaN when there are none.
 */
export function rank1Rate(found: Int32Array, foundK: number, trueIdentity: Int32Array): number {
  if (found.length !== trueIdentity.length * foundK) throw new Error('found and trueIdentity disagree on the number of queries');
  let enrolled = 0;
  let correct = 0;
  for (let q = 0; q < trueIdentity.length; q++) {
    if (trueIdentity[q] < 0) continue;
    enrolled++;
    if (found[q * foundK] === trueIdentity[q]) correct++;
  }
  return enrolled === 0 ? NaN : correct / enrolled;
}
