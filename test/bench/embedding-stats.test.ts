import { describe, expect, it } from 'vitest';
import { parseEmbeddingStats } from '../../bench/data/embedding-stats';

describe('parseEmbeddingStats', () => {
  const valid = {
    mean: [0.5, -0.5],
    between_cholesky: [
      [1, 0],
      [0.5, 2],
    ],
    within_cholesky: [
      [0.1, 0],
      [0, 0.1],
    ],
    sample_scale_lognormal_sigma: 0.2,
  };

  it('flattens the Cholesky factors row-major', () => {
    const stats = parseEmbeddingStats(valid);
    expect(stats.dimension).toBe(2);
    expect(Array.from(stats.betweenCholesky)).toEqual([1, 0, 0.5, 2]);
    expect(Array.from(stats.mean)).toEqual([0.5, -0.5]);
    expect(stats.sampleScaleSigma).toBe(0.2);
  });

  it('rejects malformed files', () => {
    expect(() => parseEmbeddingStats({})).toThrow(/mean/);
    expect(() => parseEmbeddingStats({ ...valid, within_cholesky: [[1, 0]] })).toThrow(/within_cholesky/);
    expect(() => parseEmbeddingStats({ ...valid, between_cholesky: [[1], [0, 1]] })).toThrow(/row 0/);
    expect(() => parseEmbeddingStats({ ...valid, between_cholesky: [[1, 'x'], [0, 1]] })).toThrow(/finite/);
    expect(() => parseEmbeddingStats({ ...valid, sample_scale_lognormal_sigma: -1 })).toThrow(/sigma/);
  });
});
