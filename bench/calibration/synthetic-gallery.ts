import { expectedFalseMatchProbability, ScoreHistogram, type GallerySizeAccuracy } from '@faceshard/calibration';
import type { EmbeddingStats } from '../data/embedding-stats';
import { FaceEmbeddingModel } from '../data/face-embedding-model';
import { SeededRandom } from '../data/prng';
import { normalUpperTail } from './normal-tail';

export interface SyntheticGalleryOptions {
  threshold: number;
  /** Per-comparison FMR at the threshold (from the real calibration), for fpirPredicted. */
  fmrAtThreshold: number;
  sizes: number[];
  matedProbes: number;
  strangers: number;
  /** Faces of other people each probe is scored against to learn its own impostor score distribution. */
  pool: number;
  seed: number;
}

/**
 * Powers λ tried for the transform y = (2 - 2·cos)^λ (squared distance to the λ), see syntheticProbes.
 * Small λ suit models whose faces all sit close together (dlib: cosines ~0.84 between strangers);
 * λ = 1 is a normal on the cosine itself, which suits models whose strangers are near orthogonal
 * (MobileFaceNet: cosines ~0 ± 0.1).
 */
export const TAIL_POWERS = [0.02, ...Array.from({ length: 20 }, (_, i) => Math.round((i + 1) * 5) / 100), 1.25, 1.5, 2];

export interface SyntheticProbeSet {
  /** [power][probe]: mean and standard deviation of y = (2-2·score)^λ over the probe's pool scores. */
  matedMean: Float64Array[];
  matedStd: Float64Array[];
  strangerMean: Float64Array[];
  strangerStd: Float64Array[];
  /** Score of each mated probe against its own person's enrolled face. */
  matedScore: Float64Array;
  /** Every stranger x pool score, binned: the empirical tail the power is chosen against. */
  strangerScores: ScoreHistogram;
  pool: number;
  /** Index into TAIL_POWERS chosen by chooseTailPower. */
  power: number;
}

/**
 * Gallery sizes far beyond LFW with the synthetic face model fitted to a model's embeddings.
 * Gallery people are independent of each other given the probe, so with F_p(x) = the chance that
 * one other person's enrolled face scores >= x against probe p:
 *   rank-1(N) = mean over mated probes of (1 - F_p(own score))^(N-1)
 *   TPIR(N)   = the same, counting only probes whose own score passes the threshold
 *   FPIR(N)   = mean over strangers of 1 - (1 - F_p(threshold))^N
 * F_p must be known far into its tail (1e-8 at 10^7). A probe's scores against `pool` other people
 * are skewed (a cosine near 1 is a small squared distance 2 - 2·cos, which behaves like a
 * chi-square); a normal fitted to y = (2 - 2·cos)^λ of them gives the tail, with λ chosen where
 * the pooled prediction matches the counts the pool can still measure (chooseTailPower;
 * λ = 1/3 would be Wilson-Hilferty's cube root, λ → 0 the log). Nothing of size N is built; the
 * caller checks the result against exact galleries where both can be computed.
 */
export function syntheticProbes(stats: EmbeddingStats, o: SyntheticGalleryOptions): SyntheticProbeSet {
  const d = stats.dimension;
  const model = new FaceEmbeddingModel(stats);
  const rng = new SeededRandom(o.seed);
  const centre = new Float64Array(d);
  const pool = new Float32Array(o.pool * d);
  for (let i = 0; i < o.pool; i++) {
    model.sampleCentre(rng, centre);
    model.sampleFace(rng, centre, pool, i * d);
  }
  const k = TAIL_POWERS.length;
  const out: SyntheticProbeSet = {
    matedMean: TAIL_POWERS.map(() => new Float64Array(o.matedProbes)),
    matedStd: TAIL_POWERS.map(() => new Float64Array(o.matedProbes)),
    strangerMean: TAIL_POWERS.map(() => new Float64Array(o.strangers)),
    strangerStd: TAIL_POWERS.map(() => new Float64Array(o.strangers)),
    matedScore: new Float64Array(o.matedProbes),
    strangerScores: new ScoreHistogram(1 << 20),
    pool: o.pool,
    power: 0,
  };
  const s1 = new Float64Array(k);
  const s2 = new Float64Array(k);
  const moments = (v: Float32Array, mean: Float64Array[], std: Float64Array[], at: number, histogram?: ScoreHistogram) => {
    s1.fill(0);
    s2.fill(0);
    for (let i = 0; i < o.pool; i++) {
      const b = i * d;
      let x = 0;
      for (let j = 0; j < d; j++) x += v[j]! * pool[b + j]!;
      histogram?.add(x);
      const lnDist = Math.log(Math.max(1e-12, 2 - 2 * x));
      for (let p = 0; p < k; p++) {
        const y = Math.exp(TAIL_POWERS[p]! * lnDist);
        s1[p] += y;
        s2[p] += y * y;
      }
    }
    for (let p = 0; p < k; p++) {
      const m = s1[p]! / o.pool;
      mean[p]![at] = m;
      std[p]![at] = Math.sqrt(Math.max(0, s2[p]! / o.pool - m * m) * (o.pool / (o.pool - 1)));
    }
  };
  const probe = new Float32Array(d);
  const enrolled = new Float32Array(d);
  for (let i = 0; i < o.matedProbes; i++) {
    model.sampleCentre(rng, centre);
    model.sampleFace(rng, centre, enrolled);
    model.sampleFace(rng, centre, probe);
    let own = 0;
    for (let j = 0; j < d; j++) own += probe[j]! * enrolled[j]!;
    out.matedScore[i] = own;
    moments(probe, out.matedMean, out.matedStd, i);
  }
  for (let i = 0; i < o.strangers; i++) {
    model.sampleCentre(rng, centre);
    model.sampleFace(rng, centre, probe);
    moments(probe, out.strangerMean, out.strangerStd, i, out.strangerScores);
  }
  out.power = chooseTailPower(out).power;
  return out;
}

/** P(score >= x) for one probe under power p's fitted normal. */
function tailOf(x: number, mean: number, std: number, power: number): number {
  const y = Math.exp(power * Math.log(Math.max(1e-12, 2 - 2 * x)));
  return std > 0 ? normalUpperTail((mean - y) / std) : y <= mean ? 1 : 0;
}

/** Mean tail over the strangers at x, with power index p: the synthetic per-comparison FMR. */
function strangerRate(probes: SyntheticProbeSet, x: number, p: number): number {
  let s = 0;
  const mean = probes.strangerMean[p]!;
  const std = probes.strangerStd[p]!;
  for (let i = 0; i < mean.length; i++) s += tailOf(x, mean[i]!, std[i]!, TAIL_POWERS[p]!);
  return s / mean.length;
}

/**
 * The power whose fitted tails best predict the strangers' measured tail at the rates the pool
 * can still count (1e-3 and 1e-4 of all stranger x pool scores): least squared log ratio.
 */
export function chooseTailPower(probes: SyntheticProbeSet): { power: number; checks: { rate: number; threshold: number; predicted: number }[] } {
  const levels = [1e-3, 1e-4].filter((r) => r * probes.strangerScores.total >= 20);
  const cuts = levels.map((rate) => {
    const { threshold, countAbove } = probes.strangerScores.thresholdForRate(rate);
    return { rate: countAbove / probes.strangerScores.total, threshold };
  });
  let best = { power: TAIL_POWERS.length - 1, error: Infinity };
  TAIL_POWERS.forEach((_, p) => {
    const error = cuts.reduce((e, c) => e + Math.log(strangerRate(probes, c.threshold, p) / c.rate) ** 2, 0);
    if (error < best.error) best = { power: p, error };
  });
  return { power: best.power, checks: cuts.map((c) => ({ ...c, predicted: strangerRate(probes, c.threshold, best.power) })) };
}

/** The figures at each size from the probes' fitted tails (see syntheticProbes). */
export function syntheticAccuracy(probes: SyntheticProbeSet, o: Pick<SyntheticGalleryOptions, 'threshold' | 'fmrAtThreshold' | 'sizes'>): GallerySizeAccuracy[] {
  const p = probes.power;
  const power = TAIL_POWERS[p]!;
  const noneOf = (f: number, n: number) => (f >= 1 ? (n > 0 ? 0 : 1) : Math.exp(n * Math.log1p(-f)));
  return o.sizes.map((n) => {
    let rank1 = 0;
    let tpir = 0;
    for (let i = 0; i < probes.matedScore.length; i++) {
      const own = probes.matedScore[i]!;
      const none = noneOf(tailOf(own, probes.matedMean[p]![i]!, probes.matedStd[p]![i]!, power), n - 1);
      rank1 += none;
      if (own >= o.threshold) tpir += none;
    }
    let fpir = 0;
    const strangers = probes.strangerMean[p]!.length;
    for (let i = 0; i < strangers; i++) fpir += 1 - noneOf(tailOf(o.threshold, probes.strangerMean[p]![i]!, probes.strangerStd[p]![i]!, power), n);
    return {
      gallerySize: n,
      source: 'synthetic',
      rank1: rank1 / probes.matedScore.length,
      tpir: tpir / probes.matedScore.length,
      fpir: fpir / strangers,
      fpirPredicted: expectedFalseMatchProbability(o.fmrAtThreshold, n),
      matedProbes: probes.matedScore.length,
      strangerProbes: strangers,
      draws: 1,
    };
  });
}

/**
 * The threshold at which the synthetic model has the given per-comparison FMR (mean of the
 * strangers' fitted tails), by bisection. Extrapolating at the same FMR rather than the same raw
 * score keeps the operating point's meaning when the fitted model's scores sit a little off.
 */
export function syntheticThresholdForFmr(probes: SyntheticProbeSet, fmr: number): number {
  let lo = -1;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (strangerRate(probes, mid, probes.power) > fmr) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The synthetic model's per-comparison FMR at a threshold (fitted tails). */
export function syntheticFmrAt(probes: SyntheticProbeSet, threshold: number): number {
  return strangerRate(probes, threshold, probes.power);
}

/**
 * The same figures measured directly on one synthetic gallery of `size` people (exact search):
 * the check that the fitted tails are right where both can be computed.
 */
export function syntheticExactGallery(stats: EmbeddingStats, o: { size: number; matedProbes: number; strangers: number; threshold: number; seed: number }): { rank1: number; tpir: number; fpir: number } {
  const d = stats.dimension;
  const model = new FaceEmbeddingModel(stats);
  const rng = new SeededRandom(o.seed);
  const centre = new Float64Array(d);
  const gallery = new Float32Array(o.size * d);
  const probes = new Float32Array((o.matedProbes + o.strangers) * d);
  const owner = new Int32Array(o.matedProbes + o.strangers).fill(-1);
  for (let i = 0; i < o.size; i++) {
    model.sampleCentre(rng, centre);
    model.sampleFace(rng, centre, gallery, i * d);
    if (i < o.matedProbes) {
      model.sampleFace(rng, centre, probes, i * d);
      owner[i] = i;
    }
  }
  for (let i = o.matedProbes; i < o.matedProbes + o.strangers; i++) {
    model.sampleCentre(rng, centre);
    model.sampleFace(rng, centre, probes, i * d);
  }
  let rank1 = 0;
  let tpir = 0;
  let fp = 0;
  for (let p = 0; p < owner.length; p++) {
    let best = -Infinity;
    let bestId = -1;
    const a = p * d;
    for (let g = 0; g < o.size; g++) {
      const b = g * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += probes[a + k]! * gallery[b + k]!;
      if (s > best) {
        best = s;
        bestId = g;
      }
    }
    if (owner[p]! >= 0) {
      if (bestId === owner[p]) {
        rank1++;
        if (best >= o.threshold) tpir++;
      }
    } else if (best >= o.threshold) fp++;
  }
  return { rank1: rank1 / o.matedProbes, tpir: tpir / o.matedProbes, fpir: fp / o.strangers };
}
