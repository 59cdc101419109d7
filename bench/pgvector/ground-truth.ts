/**
 * Exact top-k identities of the probes: from bench:cluster's cache when it holds this dataset
 * (same key as bench/cluster/run.ts builds: same options, k, generator and statistics file), else
 * computed with hnswlib's brute force and written there.
 */
import { readFileSync } from 'node:fs';
import { embeddingStatsPath } from '../data/embedding-stats';
import { cachedTopK, exactCacheKey } from '../data/exact-cache';
import { collapseToIdentities, rank1Rate, type TopK } from '../data/exact-search';
import { exactTopKNative } from '../data/exact-search-native';
import type { FaceDataset } from '../data/face-embedding-model';
import type { BenchDatasetOptions } from '../cluster/bench-dataset';

export interface GroundTruth {
  /** Per probe, the k nearest identities (best first). */
  truth: TopK;
  /** Share of enrolled probes whose exact nearest identity is the right person: the model's ceiling. */
  exactRank1: number;
  fromCache: boolean;
  cacheKey: string;
  seconds: number;
}

export function groundTruth(data: FaceDataset, options: BenchDatasetOptions, k: number, cacheDir: string | null): GroundTruth {
  const start = process.hrtime.bigint();
  const rowsK = k * options.facesPerIdentity;
  const compute = (): TopK => exactTopKNative(data.gallery, data.probes, rowsK);
  const cacheKey = exactCacheKey({ ...options, k: rowsK, generator: 'face-embedding-model v1' }, readFileSync(embeddingStatsPath()));
  const exact = cacheDir ? cachedTopK(cacheDir, cacheKey, compute) : { top: compute(), fromCache: false };
  const truth = collapseToIdentities(exact.top, data.gallery.identity, k);
  return {
    truth,
    exactRank1: rank1Rate(truth.indices, k, data.probes.identity),
    fromCache: exact.fromCache,
    cacheKey,
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
  };
}
