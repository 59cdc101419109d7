import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { checkFusionWeights, fusedSimilarity, fuseEmbeddings } from './fusion';
import { cosineSimilarity } from './vector-math';

const vector = (dim: number) =>
  fc
    .array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: dim, maxLength: dim })
    .filter((xs) => xs.some((x) => Math.abs(x) > 1e-2))
    .map((xs) => Float32Array.from(xs));
const weight = fc.double({ min: 0, max: 1, noNaN: true });
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe('fuseEmbeddings', () => {
  it('dot product of two fused vectors equals w * cos(dlib) + (1 - w) * cos(other), for any vectors and weight', () => {
    fc.assert(
      fc.property(vector(16), vector(16), vector(8), vector(8), weight, (a1, b1, a2, b2, w) => {
        const fa = fuseEmbeddings([a1, a2], [w, 1 - w]);
        const fb = fuseEmbeddings([b1, b2], [w, 1 - w]);
        expect(fa.length).toBe(24);
        expect(dot(fa, fb)).toBeCloseTo(w * cosineSimilarity(a1, b1) + (1 - w) * cosineSimilarity(a2, b2), 5);
        expect(dot(fa, fb)).toBeCloseTo(fusedSimilarity([cosineSimilarity(a1, b1), cosineSimilarity(a2, b2)], [w, 1 - w]), 5);
      }),
    );
  });

  it('gives a unit vector (cosine = dot product, as the index stores it), with three members too', () => {
    fc.assert(
      fc.property(vector(4), vector(6), vector(5), weight, weight, (a, b, c, x, y) => {
        const [w1, w2] = [x * y, x * (1 - y)];
        const f = fuseEmbeddings([a, b, c], [w1, w2, 1 - w1 - w2]);
        expect(Math.hypot(...f)).toBeCloseTo(1, 5);
      }),
    );
  });

  it('with weight 1 on a member is that member alone, normalised, and zeros for the others', () => {
    const f = fuseEmbeddings([Float32Array.of(3, 4), Float32Array.of(1, 1, 1)], [1, 0]);
    expect(Array.from(f)).toEqual([Math.fround(0.6), Math.fround(0.8), 0, 0, 0]);
  });

  it('lays members out in order, each scaled by sqrt(weight)', () => {
    const f = fuseEmbeddings([Float32Array.of(1, 0), Float32Array.of(0, 1)], [0.36, 0.64]);
    expect(Array.from(f)).toEqual([0.6, 0, 0, 0.8].map(Math.fround));
  });

  it('refuses weights that do not sum to 1, negative or non-finite weights, fewer than 2 members and a count mismatch', () => {
    const a = Float32Array.of(1, 0);
    for (const w of [[0.5, 0.6], [-0.1, 1.1], [NaN, 1], [1]]) {
      expect(() => checkFusionWeights(w)).toThrow(FaceshardError);
    }
    expect(() => fuseEmbeddings([a, a], [0.5, 0.6])).toThrow(/sum to 1/);
    expect(() => fuseEmbeddings([a], [0.5, 0.5])).toThrow(RangeError);
    expect(() => fusedSimilarity([0.5], [0.5, 0.5])).toThrow(RangeError);
  });
});
