import { describe, expect, it } from 'vitest';
import { collapseToIdentities, dot, exactTopK, rank1Rate, recallAtK, type FlatVectors, type TopK } from '../../bench/data/exact-search';
import { SeededRandom } from '../../bench/data/prng';

function randomVectors(rng: SeededRandom, count: number, dimension: number): FlatVectors {
  const vectors = new Float32Array(count * dimension);
  for (let i = 0; i < vectors.length; i++) vectors[i] = rng.nextNormal();
  return { dimension, count, vectors };
}

/** The obvious slow answer: score everything, sort. */
function naiveTopK(gallery: FlatVectors, queries: FlatVectors, k: number): number[][] {
  const out: number[][] = [];
  for (let q = 0; q < queries.count; q++) {
    const scored = Array.from({ length: gallery.count }, (_, row) => ({
      row,
      score: dot(gallery.vectors, row * gallery.dimension, queries.vectors, q * queries.dimension, gallery.dimension),
    }));
    scored.sort((a, b) => b.score - a.score || a.row - b.row);
    out.push(scored.slice(0, k).map((s) => s.row));
  }
  return out;
}

describe('dot', () => {
  it('handles dimensions that are not a multiple of 4, and offsets', () => {
    const a = new Float32Array([9, 1, 2, 3, 4, 5]);
    const b = new Float32Array([1, 1, 1, 1, 2, 9]);
    expect(dot(a, 1, b, 0, 5)).toBe(1 + 2 + 3 + 4 + 10);
    expect(dot(a, 0, b, 5, 1)).toBe(81);
  });
});

describe('exactTopK', () => {
  it('agrees with sort-everything on random data, across query block boundaries', () => {
    const rng = new SeededRandom(11);
    const gallery = randomVectors(rng, 300, 13);
    const queries = randomVectors(rng, 21, 13); // 21 = two full blocks of 8 and a partial one
    const top = exactTopK(gallery, queries, 10);
    const naive = naiveTopK(gallery, queries, 10);
    for (let q = 0; q < queries.count; q++) {
      expect(Array.from(top.indices.subarray(q * 10, (q + 1) * 10))).toEqual(naive[q]);
      for (let r = 0; r < 10; r++) {
        const expected = dot(gallery.vectors, naive[q][r] * 13, queries.vectors, q * 13, 13);
        expect(top.scores[q * 10 + r]).toBeCloseTo(expected, 4);
      }
    }
  });

  it('finds the query itself first when it is in the gallery', () => {
    const rng = new SeededRandom(12);
    const gallery = randomVectors(rng, 50, 8);
    // Normalise so that self-similarity is the maximum.
    for (let i = 0; i < gallery.count; i++) {
      const n = Math.sqrt(dot(gallery.vectors, i * 8, gallery.vectors, i * 8, 8));
      for (let d = 0; d < 8; d++) gallery.vectors[i * 8 + d] /= n;
    }
    const queries: FlatVectors = { dimension: 8, count: 2, vectors: gallery.vectors.slice(17 * 8, 19 * 8) };
    const top = exactTopK(gallery, queries, 3);
    expect(top.indices[0]).toBe(17);
    expect(top.indices[3]).toBe(18);
  });

  it('keeps the lower row on ties and pads with -1 when the gallery is smaller than k', () => {
    const gallery: FlatVectors = { dimension: 2, count: 3, vectors: new Float32Array([1, 0, 1, 0, 0, 1]) };
    const queries: FlatVectors = { dimension: 2, count: 1, vectors: new Float32Array([1, 0]) };
    const top = exactTopK(gallery, queries, 5);
    expect(Array.from(top.indices)).toEqual([0, 1, 2, -1, -1]);
    expect(Array.from(top.scores.subarray(0, 3))).toEqual([1, 1, 0]);
    expect(top.scores[3]).toBe(-Infinity);
  });

  it('reports progress and rejects bad input', () => {
    const rng = new SeededRandom(13);
    const seen: number[] = [];
    exactTopK(randomVectors(rng, 5, 4), randomVectors(rng, 10, 4), 1, (done) => seen.push(done));
    expect(seen).toEqual([8, 10]);
    expect(() => exactTopK(randomVectors(rng, 5, 4), randomVectors(rng, 1, 3), 1)).toThrow(/dimension/);
    expect(() => exactTopK(randomVectors(rng, 5, 4), randomVectors(rng, 1, 4), 0)).toThrow(/k/);
  });
});

function topK(k: number, rows: number[][]): TopK {
  return {
    k,
    count: rows.length,
    indices: Int32Array.from(rows.flat()),
    scores: Float32Array.from(rows.flat().map((_, i) => 100 - i)),
  };
}

describe('collapseToIdentities', () => {
  it('keeps the best row of each identity, in rank order', () => {
    // rows 0,1 -> identity 0; rows 2,3 -> identity 1; rows 4,5 -> identity 2
    const identityOfRow = Int32Array.from([0, 0, 1, 1, 2, 2]);
    const rows = topK(6, [[1, 0, 4, 2, 5, 3]]);
    const ids = collapseToIdentities(rows, identityOfRow, 3);
    expect(Array.from(ids.indices)).toEqual([0, 2, 1]);
    expect(Array.from(ids.scores)).toEqual([100, 98, 97]);
  });

  it('pads with -1 when there are fewer identities than k', () => {
    const ids = collapseToIdentities(topK(3, [[0, 1, -1]]), Int32Array.from([7, 7]), 2);
    expect(Array.from(ids.indices)).toEqual([7, -1]);
  });
});

describe('recallAtK', () => {
  const truth = topK(3, [
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('is the mean share of the true top-k that was found, order ignored', () => {
    expect(recallAtK(Int32Array.from([3, 2, 1, 6, 5, 4]), 3, truth, 3)).toBe(1);
    expect(recallAtK(Int32Array.from([1, 9, 9, 9, 9, 9]), 3, truth, 3)).toBeCloseTo(1 / 6);
    expect(recallAtK(Int32Array.from([1, 2, 9, 4, 9, 9]), 3, truth, 2)).toBeCloseTo((2 / 2 + 1 / 2) / 2);
  });

  it('counts a repeated answer once and ignores -1 padding', () => {
    expect(recallAtK(Int32Array.from([1, 1, 1, -1, -1, -1]), 3, truth, 3)).toBeCloseTo(1 / 6);
  });

  it('uses only the first k of longer found lists', () => {
    expect(recallAtK(Int32Array.from([9, 1, 2, 3, 9, 4, 5, 6]), 4, truth, 1)).toBe(0);
  });

  it('refuses mismatched shapes', () => {
    expect(() => recallAtK(Int32Array.from([1, 2, 3]), 3, truth, 3)).toThrow(/number of queries/);
    expect(() => recallAtK(Int32Array.from([1, 2, 3, 4, 5, 6]), 3, truth, 4)).toThrow(/truth holds only/);
    expect(() => recallAtK(Int32Array.from([1, 2, 3, 4]), 2, truth, 3)).toThrow(/found holds only/);
  });
});

describe('rank1Rate', () => {
  it('scores only probes of enrolled people, on their first answer', () => {
    const found = Int32Array.from([5, 1, 7, 2, 9, 9, 3, 4]); // k = 2, four probes
    const trueIdentity = Int32Array.from([5, 2, -1, 4]);
    // probe 0 right, probe 1 wrong (2 is second), probe 2 not enrolled, probe 3 wrong.
    expect(rank1Rate(found, 2, trueIdentity)).toBeCloseTo(1 / 3);
  });

  it('is NaN without enrolled probes and refuses mismatched shapes', () => {
    expect(rank1Rate(Int32Array.from([1]), 1, Int32Array.from([-1]))).toBeNaN();
    expect(() => rank1Rate(Int32Array.from([1, 2]), 1, Int32Array.from([1]))).toThrow(/number of queries/);
  });
});
