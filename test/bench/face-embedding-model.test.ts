import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddingStatsPath, loadEmbeddingStats } from '../../bench/data/embedding-stats';
import { FaceEmbeddingModel, faceAt, generateFaceDataset } from '../../bench/data/face-embedding-model';
import { SeededRandom } from '../../bench/data/prng';
import { dot } from '../../bench/data/exact-search';

describe('SeededRandom (xoshiro128** seeded by splitmix32)', () => {
  it('matches the reference C implementation for seed 42', () => {
    // Expected values printed by Vigna's xoshiro128starstar.c with s[] filled by splitmix32(42).
    const rng = new SeededRandom(42);
    expect([1, 2, 3, 4, 5].map(() => rng.nextUint32())).toEqual([2837322924, 544945897, 479756282, 3500138142, 339756180]);
  });

  it('gives uniforms in [0, 1) and standard normals with the right moments', () => {
    const rng = new SeededRandom(7);
    let uSum = 0;
    let outOfRange = 0;
    let nSum = 0;
    let nSq = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const u = rng.nextFloat();
      if (!(u >= 0 && u < 1)) outOfRange++;
      uSum += u;
      const z = rng.nextNormal();
      nSum += z;
      nSq += z * z;
    }
    expect(outOfRange).toBe(0);
    expect(uSum / n).toBeCloseTo(0.5, 2);
    expect(nSum / n).toBeCloseTo(0, 2);
    expect(nSq / n).toBeCloseTo(1, 1);
  });

  it('nextInt stays within [0, n)', () => {
    const rng = new SeededRandom(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.nextInt(5));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

const statsPresent = existsSync(embeddingStatsPath());
const statsAbsent = `SKIPPED: ${embeddingStatsPath()} is absent (set FACESHARD_SHARED_DIR)`;

describe.skipIf(!statsPresent)(`face embedding model${statsPresent ? '' : ` ${statsAbsent}`}`, () => {
  const stats = statsPresent ? loadEmbeddingStats() : (undefined as never);

  it('reproduces the same-person and different-person cosine statistics of bench-data.md', () => {
    const model = new FaceEmbeddingModel(stats);
    const rng = new SeededRandom(2024);
    const pairs = 4000;
    const dim = stats.dimension;
    const centre = new Float64Array(dim);
    const faces = new Float32Array(pairs * 2 * dim); // per identity: two faces
    for (let i = 0; i < pairs; i++) {
      model.sampleCentre(rng, centre);
      model.sampleFace(rng, centre, faces, (2 * i) * dim);
      model.sampleFace(rng, centre, faces, (2 * i + 1) * dim);
    }
    const same: number[] = [];
    const different: number[] = [];
    for (let i = 0; i < pairs; i++) {
      same.push(dot(faces, 2 * i * dim, faces, (2 * i + 1) * dim, dim));
      // First face of identity i against the second face of identity i+1: different people.
      different.push(dot(faces, 2 * i * dim, faces, (2 * ((i + 1) % pairs) + 1) * dim, dim));
    }
    const sameStats = meanStd(same);
    const diffStats = meanStd(different);
    // Table in bench-data.md (generated, 30k pairs): same 0.952 / 0.016, different 0.837 / 0.039.
    expect(Math.abs(sameStats.mean - 0.952)).toBeLessThan(0.004);
    expect(Math.abs(sameStats.std - 0.016)).toBeLessThan(0.003);
    expect(Math.abs(diffStats.mean - 0.837)).toBeLessThan(0.006);
    expect(Math.abs(diffStats.std - 0.039)).toBeLessThan(0.004);
    // ... and best-threshold verification accuracy 98.73%.
    expect(Math.abs(bestThresholdAccuracy(same, different) - 0.9873)).toBeLessThan(0.01);
  });

  it('produces unit-length Float32 vectors and the requested layout', () => {
    const data = generateFaceDataset(stats, { identities: 300, facesPerIdentity: 2, probes: 50, unenrolledFraction: 0.2, seed: 1 });
    expect(data.gallery.vectors).toBeInstanceOf(Float32Array);
    expect(data.gallery.count).toBe(600);
    expect(data.gallery.vectors.length).toBe(600 * stats.dimension);
    expect(Array.from(data.gallery.identity.slice(0, 6))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(data.probes.count).toBe(50);
    expect(data.unenrolledProbes).toBe(10);
    for (let p = 0; p < 40; p++) expect(data.probes.identity[p]).toBeGreaterThanOrEqual(0);
    for (let p = 0; p < 40; p++) expect(data.probes.identity[p]).toBeLessThan(300);
    for (let p = 40; p < 50; p++) expect(data.probes.identity[p]).toBe(-1);
    for (const set of [data.gallery, data.probes]) {
      for (let i = 0; i < set.count; i++) {
        const v = faceAt(set, i);
        expect(Math.sqrt(dot(v, 0, v, 0, v.length))).toBeCloseTo(1, 5);
      }
    }
  });

  it('probes of enrolled people are closer to their own gallery face than strangers are', () => {
    const data = generateFaceDataset(stats, { identities: 500, probes: 400, seed: 9 });
    const dim = data.dimension;
    let own = 0;
    let ownCount = 0;
    for (let p = 0; p < data.probes.count; p++) {
      const id = data.probes.identity[p];
      if (id < 0) continue;
      own += dot(data.probes.vectors, p * dim, data.gallery.vectors, id * dim, dim);
      ownCount++;
    }
    // A probe's own gallery face is a same-person pair (about 0.95), far above different people (about 0.84).
    expect(own / ownCount).toBeGreaterThan(0.93);
  });

  it('is deterministic for a seed, differs across seeds, and a small run is a prefix of a large one', () => {
    const a = generateFaceDataset(stats, { identities: 200, probes: 30, seed: 5 });
    const b = generateFaceDataset(stats, { identities: 200, probes: 30, seed: 5 });
    const c = generateFaceDataset(stats, { identities: 200, probes: 30, seed: 6 });
    const big = generateFaceDataset(stats, { identities: 400, probes: 30, seed: 5 });
    expect(Buffer.from(a.gallery.vectors.buffer).equals(Buffer.from(b.gallery.vectors.buffer))).toBe(true);
    expect(Buffer.from(a.probes.vectors.buffer).equals(Buffer.from(b.probes.vectors.buffer))).toBe(true);
    expect(Array.from(a.probes.identity)).toEqual(Array.from(b.probes.identity));
    expect(Buffer.from(a.gallery.vectors.buffer).equals(Buffer.from(c.gallery.vectors.buffer))).toBe(false);
    expect(Buffer.from(big.gallery.vectors.buffer, 0, a.gallery.vectors.byteLength).equals(Buffer.from(a.gallery.vectors.buffer))).toBe(true);
  });

  it('rejects nonsense options', () => {
    expect(() => generateFaceDataset(stats, { identities: 0, probes: 1, seed: 1 })).toThrow(/identities/);
    expect(() => generateFaceDataset(stats, { identities: 1, probes: -1, seed: 1 })).toThrow(/probes/);
    expect(() => generateFaceDataset(stats, { identities: 1, probes: 1, unenrolledFraction: 2, seed: 1 })).toThrow(/unenrolled/);
  });
});

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** Best accuracy of "same person iff cosine >= t" over all thresholds t, on balanced pairs. */
function bestThresholdAccuracy(same: number[], different: number[]): number {
  const all = [...same.map((s) => ({ s, same: true })), ...different.map((s) => ({ s, same: false }))].sort((x, y) => x.s - y.s);
  // Threshold below everything: every same pair right, every different pair wrong.
  let correct = same.length;
  let best = correct;
  for (const item of all) {
    correct += item.same ? -1 : 1; // moving the threshold above this item
    best = Math.max(best, correct);
  }
  return best / all.length;
}
