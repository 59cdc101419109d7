import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { embeddingStatsPath, loadEmbeddingStats } from '../../bench/data/embedding-stats';
import { generateFaceDataset } from '../../bench/data/face-embedding-model';
import { fitEmbeddingStats } from '../../bench/data/fit-embedding-stats';
import { cholesky, clampEigenvalues, symmetricEigen } from '../../bench/data/symmetric-matrix';
import { erfc, normalUpperTail } from '../../bench/calibration/normal-tail';
import { syntheticAccuracy, syntheticExactGallery, syntheticProbes, syntheticThresholdForFmr } from '../../bench/calibration/synthetic-gallery';

const spd = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n * n, maxLength: n * n }).map((x) => {
    // A·Aᵀ + I is symmetric positive definite.
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = i === j ? 1 : 0;
        for (let k = 0; k < n; k++) s += x[i * n + k]! * x[j * n + k]!;
        a[i * n + j] = s;
      }
    return { n, a };
  }),
);

describe('symmetric matrix factorisations', () => {
  it('eigen-decomposition reconstructs the matrix, Cholesky gives L·Lᵀ = A, clamping leaves a PD matrix alone', () => {
    fc.assert(
      fc.property(spd, ({ n, a }) => {
        const { values, vectors } = symmetricEigen(a, n);
        const l = cholesky(a, n);
        const same = clampEigenvalues(a, n, 1e-9).matrix;
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            let r = 0;
            let c = 0;
            for (let k = 0; k < n; k++) {
              r += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
              c += l[i * n + k]! * l[j * n + k]!;
            }
            const tol = 1e-8 * (1 + Math.abs(a[i * n + j]!));
            expect(Math.abs(r - a[i * n + j]!)).toBeLessThan(tol * 10);
            expect(Math.abs(c - a[i * n + j]!)).toBeLessThan(tol * 10);
            expect(Math.abs(same[i * n + j]! - a[i * n + j]!)).toBeLessThan(tol * 10);
          }
      }),
    );
  });

  it('clamping raises negative eigenvalues to the floor so that Cholesky succeeds', () => {
    const indefinite = Float64Array.from([1, 2, 2, 1]); // eigenvalues 3 and -1
    expect(() => cholesky(indefinite, 2)).toThrow();
    const { matrix, clamped } = clampEigenvalues(indefinite, 2, 1e-3);
    expect(clamped).toBe(1);
    expect(() => cholesky(matrix, 2)).not.toThrow();
  });
});

describe('normalUpperTail', () => {
  it('matches known values deep into the tail (relative error < 1e-6)', () => {
    const known: [number, number][] = [
      [0, 0.5],
      [1, 0.15865525393145707],
      [3, 0.0013498980316301],
      [6, 9.865876450377e-10],
      [-2, 0.9772498680518208],
    ];
    for (const [z, p] of known) expect(Math.abs(normalUpperTail(z) / p - 1)).toBeLessThan(1e-6);
    expect(erfc(0)).toBeCloseTo(1, 7);
  });
});

const STATS = embeddingStatsPath();
describe.skipIf(!existsSync(STATS))(existsSync(STATS) ? 'the synthetic face model, fitted and extrapolated' : 'SKIPPED: shared/design/dlib-embedding-stats.json is absent (FACESHARD_SHARED_DIR)', () => {
  const stats = loadEmbeddingStats(STATS);

  it('fitting the model to faces it generated gives back its spread: same-/different-person cosines and the scale σ', () => {
    const data = generateFaceDataset(stats, { identities: 2500, facesPerIdentity: 4, probes: 0, seed: 11 });
    const fit = fitEmbeddingStats({ dimension: data.dimension, vectors: data.gallery.vectors, person: data.gallery.identity });
    const again = generateFaceDataset(fit.stats, { identities: 2500, facesPerIdentity: 4, probes: 0, seed: 12 });
    const cosines = (set: typeof data) => {
      const d = set.dimension;
      const dot = (i: number, j: number) => {
        let s = 0;
        for (let k = 0; k < d; k++) s += set.gallery.vectors[i * d + k]! * set.gallery.vectors[j * d + k]!;
        return s;
      };
      let same = 0;
      let diff = 0;
      const n = 2000;
      for (let i = 0; i < n; i++) {
        same += dot(i * 4, i * 4 + 1);
        diff += dot(i * 4, ((i + 1) % 2500) * 4 + 2);
      }
      return { same: same / n, diff: diff / n };
    };
    const original = cosines(data);
    const refitted = cosines(again);
    expect(Math.abs(original.same - refitted.same)).toBeLessThan(0.005);
    expect(Math.abs(original.diff - refitted.diff)).toBeLessThan(0.01);
    expect(Math.abs(fit.stats.sampleScaleSigma - stats.sampleScaleSigma)).toBeLessThan(0.06);
    expect(fit.peopleWithSeveral).toBe(2500);
  }, 60_000);

  it('the fitted probe tails predict what exact search over a real synthetic gallery of 5,000 people measures', () => {
    const options = { threshold: 0, fmrAtThreshold: 1e-4, sizes: [5000], matedProbes: 600, strangers: 600, pool: 8000, seed: 5 };
    const probes = syntheticProbes(stats, options);
    const threshold = syntheticThresholdForFmr(probes, 1e-4);
    const modelled = syntheticAccuracy(probes, { ...options, threshold })[0]!;
    const exact = syntheticExactGallery(stats, { size: 5000, matedProbes: 600, strangers: 600, threshold, seed: 6 });
    // 600 probes each: binomial noise of a few points.
    expect(Math.abs(modelled.rank1 - exact.rank1)).toBeLessThan(0.05);
    expect(Math.abs(modelled.tpir - exact.tpir)).toBeLessThan(0.06);
    expect(Math.abs(modelled.fpir - exact.fpir)).toBeLessThan(0.05);
    expect(modelled.fpir).toBeGreaterThan(0.1);
  }, 60_000);
});
