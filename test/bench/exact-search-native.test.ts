import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedTopK, decodeTopK, encodeTopK, exactCacheKey } from '../../bench/data/exact-cache';
import { exactTopK, type FlatVectors } from '../../bench/data/exact-search';
import { exactTopKNative } from '../../bench/data/exact-search-native';
import { meanRow, subtractMeanAndNormalise } from '../../bench/data/gallery-mean';
import { SeededRandom } from '../../bench/data/prng';

function randomVectors(rng: SeededRandom, count: number, dimension: number): FlatVectors {
  const vectors = new Float32Array(count * dimension);
  for (let i = 0; i < vectors.length; i++) vectors[i] = rng.nextNormal();
  return { dimension, count, vectors };
}

describe('exactTopKNative (hnswlib brute force)', () => {
  it('finds the same rows as the JS scan, with the same scores, on random data', () => {
    const rng = new SeededRandom(5);
    const gallery = randomVectors(rng, 2_000, 24);
    const queries = randomVectors(rng, 150, 24);
    const js = exactTopK(gallery, queries, 10);
    const native = exactTopKNative(gallery, queries, 10);
    expect(Array.from(native.indices)).toEqual(Array.from(js.indices));
    for (let i = 0; i < js.scores.length; i++) expect(native.scores[i]).toBeCloseTo(js.scores[i], 3);
  });

  it('pads with -1 when the gallery holds fewer rows than k, and answers an empty gallery', () => {
    const rng = new SeededRandom(6);
    const queries = randomVectors(rng, 3, 8);
    const small = exactTopKNative(randomVectors(rng, 4, 8), queries, 6);
    for (let q = 0; q < 3; q++) expect(Array.from(small.indices.subarray(q * 6 + 4, q * 6 + 6))).toEqual([-1, -1]);
    expect(Array.from(exactTopKNative({ dimension: 8, count: 0, vectors: new Float32Array(0) }, queries, 2).indices)).toEqual([-1, -1, -1, -1, -1, -1]);
  });
});

describe('gallery mean subtraction', () => {
  it('the mean of rows, then each row minus it at unit length, pointing where row - mean points', () => {
    const v = Float32Array.of(3, 1, 1, 1, 2, 4);
    const mean = meanRow(v, 2);
    expect(Array.from(mean)).toEqual([2, 2]);
    expect(subtractMeanAndNormalise(v, mean)).toBe(0);
    expect(Array.from(v.subarray(0, 2)).map((x) => +x.toFixed(6))).toEqual([+Math.SQRT1_2.toFixed(6), -Math.SQRT1_2.toFixed(6)]);
    expect(Array.from(v.subarray(2, 4)).map((x) => +x.toFixed(6))).toEqual([-Math.SQRT1_2.toFixed(6), -Math.SQRT1_2.toFixed(6)]);
    expect(Array.from(v.subarray(4, 6))).toEqual([0, 1]);
  });

  it('a row equal to the mean becomes zeros (counted), not NaN', () => {
    const v = Float32Array.of(1, 1, 0, 2);
    expect(subtractMeanAndNormalise(v, [1, 1])).toBe(1);
    expect(Array.from(v.subarray(0, 2))).toEqual([0, 0]);
    expect(v.every((x) => Number.isFinite(x))).toBe(true);
  });

  it('refuses rows that do not fit the dimension, and an empty mean', () => {
    expect(() => meanRow(new Float32Array(5), 2)).toThrow();
    expect(() => meanRow(new Float32Array(5), 2, 2)).not.toThrow(); // the first 2 rows, explicitly
    expect(() => meanRow(new Float32Array(1), 2)).toThrow();
    expect(() => subtractMeanAndNormalise(new Float32Array(5), [0, 0])).toThrow();
    expect(() => subtractMeanAndNormalise(new Float32Array(4), [])).toThrow();
  });
});

describe('exact top-k cache', () => {
  it('round-trips a top-k through its file format, and refuses a truncated file', () => {
    const top = { k: 2, count: 3, indices: Int32Array.of(4, -1, 0, 7, 9, 8), scores: Float32Array.of(0.5, -Infinity, 1, 0.25, -0.75, 0) };
    const back = decodeTopK(encodeTopK(top));
    expect(back).toEqual(top);
    expect(() => decodeTopK(encodeTopK(top).subarray(0, 20))).toThrow();
  });

  it('computes once per key, then reads the file; another key (other data, other statistics) computes again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceshard-test-exact-cache-'));
    try {
      let computed = 0;
      const compute = () => {
        computed++;
        return { k: 1, count: 1, indices: Int32Array.of(3), scores: Float32Array.of(0.9) };
      };
      const key = exactCacheKey({ seed: 1, identities: 10 }, 'stats-a');
      expect(exactCacheKey({ identities: 10, seed: 1 }, 'stats-a')).toBe(key); // order of options does not matter
      expect(cachedTopK(dir, key, compute).fromCache).toBe(false);
      const again = cachedTopK(dir, key, compute);
      expect(again.fromCache).toBe(true);
      expect(Array.from(again.top.indices)).toEqual([3]);
      expect(computed).toBe(1);
      expect(exactCacheKey({ seed: 2, identities: 10 }, 'stats-a')).not.toBe(key);
      expect(exactCacheKey({ seed: 1, identities: 10 }, 'stats-b')).not.toBe(key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
