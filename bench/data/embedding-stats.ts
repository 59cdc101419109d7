import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The Gaussian model of real face embeddings in shared/design/dlib-embedding-stats.json
 * (fitted to dlib ResNet embeddings of LFW; see shared/design/bench-data.md).
 * Matrices are lower-triangular Cholesky factors, stored row-major in flat arrays.
 */
export interface EmbeddingStats {
  dimension: number;
  mean: Float64Array;
  /** dimension x dimension, row-major: identity centre = mean + betweenCholesky · z. */
  betweenCholesky: Float64Array;
  /** dimension x dimension, row-major: a face = normalise(centre + s · withinCholesky · z). */
  withinCholesky: Float64Array;
  /** σ of the log-normal per-face noise scale. */
  sampleScaleSigma: number;
}

/** Validates and converts the parsed JSON file. */
export function parseEmbeddingStats(json: unknown): EmbeddingStats {
  const raw = json as Record<string, unknown>;
  const mean = raw?.mean;
  if (!Array.isArray(mean) || mean.length === 0) throw new Error('embedding stats: "mean" must be a non-empty array');
  const dimension = mean.length;
  const matrix = (key: string): Float64Array => {
    const rows = raw[key];
    if (!Array.isArray(rows) || rows.length !== dimension) throw new Error(`embedding stats: "${key}" must have ${dimension} rows`);
    const flat = new Float64Array(dimension * dimension);
    rows.forEach((row: unknown, i: number) => {
      if (!Array.isArray(row) || row.length !== dimension) throw new Error(`embedding stats: "${key}" row ${i} must have ${dimension} values`);
      row.forEach((value: unknown, j: number) => {
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`embedding stats: "${key}"[${i}][${j}] is not a finite number`);
        flat[i * dimension + j] = value;
      });
    });
    return flat;
  };
  const sigma = raw.sample_scale_lognormal_sigma;
  if (typeof sigma !== 'number' || !(sigma >= 0)) throw new Error('embedding stats: "sample_scale_lognormal_sigma" must be a number >= 0');
  return {
    dimension,
    mean: Float64Array.from(mean as number[]),
    betweenCholesky: matrix('between_cholesky'),
    withinCholesky: matrix('within_cholesky'),
    sampleScaleSigma: sigma,
  };
}

/** FACESHARD_SHARED_DIR, else <repo>/../shared (the repo root is found from this file's place, in src or dist). */
export function sharedDir(): string {
  if (process.env.FACESHARD_SHARED_DIR) return resolve(process.env.FACESHARD_SHARED_DIR);
  // bench/data/ in the sources, dist/bench/data/ once compiled.
  for (const up of ['../../..', '../../../..']) {
    const candidate = resolve(__dirname, up, 'shared');
    if (existsSync(join(candidate, 'design'))) return candidate;
  }
  return resolve(__dirname, '../../..', 'shared');
}

export function embeddingStatsPath(): string {
  return join(sharedDir(), 'design', 'dlib-embedding-stats.json');
}

export function loadEmbeddingStats(path: string = embeddingStatsPath()): EmbeddingStats {
  if (!existsSync(path)) {
    throw new Error(`embedding stats not found at ${path}: set FACESHARD_SHARED_DIR to the shared/ folder`);
  }
  return parseEmbeddingStats(JSON.parse(readFileSync(path, 'utf8')));
}
