import type { LabelledEmbeddings, PairScores } from '@faceshard/calibration';
import type { EmbeddingStats } from '../data/embedding-stats';
import { FaceEmbeddingModel } from '../data/face-embedding-model';
import { SeededRandom } from '../data/prng';

export interface Moments {
  mean: number;
  std: number;
}

/** Mean and standard deviation of the real scores: genuine pairs exactly, impostor pairs from the histogram's bin centres. */
export function scoreMoments(scores: PairScores): { genuine: Moments; impostor: Moments } {
  const g = scores.genuine;
  const gMean = g.reduce((a, b) => a + b, 0) / g.length;
  const gVar = g.reduce((a, b) => a + (b - gMean) ** 2, 0) / (g.length - 1);
  const h = scores.impostors;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < h.bins; i++) {
    const c = h.counts[i]!;
    if (c === 0) continue;
    const x = h.edge(i) + 1 / h.bins;
    s += c * x;
    s2 += c * x * x;
  }
  const iMean = s / h.total;
  return { genuine: { mean: gMean, std: Math.sqrt(gVar) }, impostor: { mean: iMean, std: Math.sqrt(Math.max(0, s2 / h.total - iMean * iMean)) } };
}

/**
 * How the fitted synthetic model's scores compare with the real ones (bench-data.md's check):
 * 30,000 same-person and 30,000 different-person pairs drawn from the model, against every real pair.
 */
export function syntheticFidelity(stats: EmbeddingStats, _data: LabelledEmbeddings, scores: PairScores, o: { seed: number; threshold: number; pairs?: number }) {
  const n = o.pairs ?? 30_000;
  const model = new FaceEmbeddingModel(stats);
  const rng = new SeededRandom(o.seed + 7);
  const d = stats.dimension;
  const c1 = new Float64Array(d);
  const c2 = new Float64Array(d);
  const a = new Float32Array(d);
  const b = new Float32Array(d);
  const same: number[] = [];
  const different: number[] = [];
  const dot = () => {
    let s = 0;
    for (let k = 0; k < d; k++) s += a[k]! * b[k]!;
    return s;
  };
  for (let i = 0; i < n; i++) {
    model.sampleCentre(rng, c1);
    model.sampleFace(rng, c1, a);
    model.sampleFace(rng, c1, b);
    same.push(dot());
    model.sampleCentre(rng, c2);
    model.sampleFace(rng, c2, b);
    different.push(dot());
  }
  const m = (xs: number[]): Moments => {
    const mean = xs.reduce((p, q) => p + q, 0) / xs.length;
    return { mean: r4(mean), std: r4(Math.sqrt(xs.reduce((p, q) => p + (q - mean) ** 2, 0) / (xs.length - 1))) };
  };
  const real = scoreMoments(scores);
  return {
    real: { genuine: { mean: r4(real.genuine.mean), std: r4(real.genuine.std) }, impostor: { mean: r4(real.impostor.mean), std: r4(real.impostor.std) } },
    synthetic: { genuine: m(same), impostor: m(different) },
    syntheticPairs: n,
  };
}

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
