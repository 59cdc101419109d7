import type { EmbeddingStats } from './embedding-stats';
import { clampEigenvalues, cholesky } from './symmetric-matrix';

/** Unit embeddings with the person of each row. */
export interface LabelledRows {
  dimension: number;
  vectors: Float32Array;
  person: Int32Array;
}

export interface EmbeddingStatsFit {
  stats: EmbeddingStats;
  people: number;
  peopleWithSeveral: number;
  /** Eigenvalues of the between-identity covariance raised to the floor (noise made it indefinite there). */
  clampedBetweenEigenvalues: number;
  traceBetween: number;
  traceWithin: number;
}

/**
 * Fits the synthetic face model of shared/design/bench-data.md (FaceEmbeddingModel) to a model's
 * real embeddings, by moments:
 * - mean: the mean of the people's mean embeddings (every person weighs the same);
 * - within: pooled covariance of each photo around its person's mean (people with 2+ photos,
 *   n - 1 degrees of freedom per person), so W·Wᵀ = Σw (E[s²] = 1 in the model);
 * - between: covariance of the person means minus the share of within-noise those means still
 *   carry (mean of 1/nᵢ · Σw), projected to positive definite (eigenvalues floored);
 * - σ of the per-photo scale: log residual lengths (rescaled by √(n/(n-1))) vary by σ² plus what
 *   a Gaussian of covariance Σw gives alone, tr(Σw²) / (2 tr(Σw)²); the difference is σ².
 * How well it fits is checked by the caller against the real score distributions.
 */
export function fitEmbeddingStats(rows: LabelledRows): EmbeddingStatsFit {
  const d = rows.dimension;
  const byPerson = new Map<number, number[]>();
  rows.person.forEach((p, i) => {
    const list = byPerson.get(p);
    if (list) list.push(i);
    else byPerson.set(p, [i]);
  });
  const people = [...byPerson.values()];
  const means = people.map((list) => {
    const m = new Float64Array(d);
    for (const r of list) for (let k = 0; k < d; k++) m[k] += rows.vectors[r * d + k]!;
    for (let k = 0; k < d; k++) m[k] /= list.length;
    return m;
  });
  const mean = new Float64Array(d);
  for (const m of means) for (let k = 0; k < d; k++) mean[k] += m[k]! / means.length;

  const within = new Float64Array(d * d);
  let withinDof = 0;
  const logResiduals: number[] = [];
  const diff = new Float64Array(d);
  people.forEach((list, p) => {
    if (list.length < 2) return;
    withinDof += list.length - 1;
    const m = means[p]!;
    for (const r of list) {
      let len2 = 0;
      for (let k = 0; k < d; k++) {
        diff[k] = rows.vectors[r * d + k]! - m[k]!;
        len2 += diff[k]! ** 2;
      }
      addOuter(within, diff, d, 1);
      logResiduals.push(0.5 * Math.log((len2 * list.length) / (list.length - 1)));
    }
  });
  if (withinDof === 0) throw new Error('no person with 2+ photos: the within-identity spread cannot be fitted');
  scale(within, 1 / withinDof);

  const betweenRaw = new Float64Array(d * d);
  let invN = 0;
  means.forEach((m, p) => {
    for (let k = 0; k < d; k++) diff[k] = m[k]! - mean[k]!;
    addOuter(betweenRaw, diff, d, 1);
    invN += 1 / people[p]!.length;
  });
  scale(betweenRaw, 1 / (means.length - 1));
  invN /= means.length;
  const betweenCorrected = betweenRaw.map((v, i) => v - invN * within[i]!);
  const traceWithin = trace(within, d);
  const floor = (1e-6 * traceWithin) / d;
  const between = clampEigenvalues(betweenCorrected, d, floor);
  const withinPd = clampEigenvalues(within, d, floor);

  const lr = logResiduals;
  const lrMean = lr.reduce((a, b) => a + b, 0) / lr.length;
  const lrVar = lr.reduce((a, b) => a + (b - lrMean) ** 2, 0) / (lr.length - 1);
  const gaussianPart = traceOfSquare(within, d) / (2 * traceWithin ** 2);
  const sigma = Math.sqrt(Math.max(0, lrVar - gaussianPart));

  return {
    stats: { dimension: d, mean, betweenCholesky: cholesky(between.matrix, d), withinCholesky: cholesky(withinPd.matrix, d), sampleScaleSigma: sigma },
    people: people.length,
    peopleWithSeveral: people.filter((l) => l.length >= 2).length,
    clampedBetweenEigenvalues: between.clamped,
    traceBetween: trace(between.matrix, d),
    traceWithin,
  };
}

function addOuter(m: Float64Array, x: Float64Array, d: number, w: number): void {
  for (let i = 0; i < d; i++) {
    const xi = x[i]! * w;
    for (let j = 0; j < d; j++) m[i * d + j] += xi * x[j]!;
  }
}

function scale(m: Float64Array, f: number): void {
  for (let i = 0; i < m.length; i++) m[i] *= f;
}

function trace(m: Float64Array, d: number): number {
  let t = 0;
  for (let i = 0; i < d; i++) t += m[i * d + i]!;
  return t;
}

function traceOfSquare(m: Float64Array, d: number): number {
  let t = 0;
  for (let i = 0; i < d * d; i++) t += m[i]! ** 2; // symmetric: tr(M²) = Σ m_ij²
  return t;
}
