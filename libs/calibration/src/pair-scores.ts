import { ScoreHistogram } from './score-histogram';

/** Embeddings as one flat array (row i = vectors[i*dimension ..]) and the person of each row. */
export interface LabelledEmbeddings {
  dimension: number;
  vectors: Float32Array;
  /** Person index per row. */
  person: Int32Array;
}

export interface PairScores {
  /** Every cross-person pair (i < j), binned. */
  impostors: ScoreHistogram;
  /** Every same-person pair (i < j), ascending. */
  genuine: Float64Array;
}

/**
 * Cosine similarity (the rows are unit vectors: dot product) of every pair of rows: impostor
 * pairs into a histogram, genuine pairs kept exactly. O(rows² · dimension): ~88 M pairs for all
 * of LFW, tens of seconds in one thread.
 */
export function scoreAllPairs(data: LabelledEmbeddings, bins?: number): PairScores {
  const { dimension: d, vectors, person } = data;
  const rows = person.length;
  if (vectors.length !== rows * d) throw new Error(`vectors hold ${vectors.length / d} rows, labels ${rows}`);
  const impostors = new ScoreHistogram(bins);
  const genuine: number[] = [];
  const counts = impostors.counts;
  const scale = impostors.bins / 2;
  const last = impostors.bins - 1;
  for (let i = 0; i < rows; i++) {
    const a = i * d;
    const pi = person[i]!;
    for (let j = i + 1; j < rows; j++) {
      const b = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += vectors[a + k]! * vectors[b + k]!;
      if (person[j] === pi) genuine.push(s);
      else {
        const bin = Math.floor((s + 1) * scale);
        counts[bin < 0 ? 0 : bin > last ? last : bin]++;
      }
    }
  }
  impostors.total = (rows * (rows - 1)) / 2 - genuine.length;
  return { impostors, genuine: Float64Array.from(genuine).sort() };
}

/** Share of sorted (ascending) scores that are >= threshold. */
export function shareAtOrAbove(sortedAscending: ArrayLike<number>, threshold: number): number {
  const n = sortedAscending.length;
  if (n === 0) return NaN;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedAscending[mid]! < threshold) lo = mid + 1;
    else hi = mid;
  }
  return (n - lo) / n;
}
