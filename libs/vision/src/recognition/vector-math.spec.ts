import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cosineSimilarity, l2Normalise, splitAndNormalise } from './vector-math';

describe('l2Normalise', () => {
  it('scales to unit length and keeps direction', () => {
    expect(Array.from(l2Normalise(Float32Array.of(3, 4)))).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  });

  it('leaves a zero vector zero (no NaN)', () => {
    expect(Array.from(l2Normalise(new Float32Array(3)))).toEqual([0, 0, 0]);
  });

  it('gives norm 1 for any non-zero vector', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 64 }), (xs) => {
        const v = Float32Array.from(xs);
        fc.pre(xs.some((x) => Math.abs(x) > 1e-3));
        expect(Math.hypot(...l2Normalise(v))).toBeCloseTo(1, 5);
      }),
    );
  });
});

describe('splitAndNormalise', () => {
  it('splits [n, dim] rows in order and normalises each', () => {
    const rows = splitAndNormalise(Float32Array.of(3, 4, 0, 2), 2, 2);
    expect(rows.map((r) => Array.from(r))).toEqual([
      [Math.fround(0.6), Math.fround(0.8)],
      [0, 1],
    ]);
  });

  it('refuses a length that is not n x dim', () => {
    expect(() => splitAndNormalise(new Float32Array(5), 2, 2)).toThrow(/expected 2x2/);
  });
});

describe('cosineSimilarity', () => {
  it('is 1 for parallel, 0 for orthogonal, -1 for opposite vectors', () => {
    expect(cosineSimilarity(Float32Array.of(1, 2), Float32Array.of(2, 4))).toBeCloseTo(1, 6);
    expect(cosineSimilarity(Float32Array.of(1, 0), Float32Array.of(0, 3))).toBe(0);
    expect(cosineSimilarity(Float32Array.of(1, 1), Float32Array.of(-1, -1))).toBeCloseTo(-1, 6);
  });

  it('is 0 against a zero vector and refuses different lengths', () => {
    expect(cosineSimilarity(Float32Array.of(1, 1), Float32Array.of(0, 0))).toBe(0);
    expect(() => cosineSimilarity(Float32Array.of(1), Float32Array.of(1, 2))).toThrow(RangeError);
  });
});
