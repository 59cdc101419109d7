import type { LabelledEmbeddings } from './pair-scores';

/**
 * Open-set identification data from labelled embeddings: each person with 2+ rows is a candidate
 * whose FIRST row is the enrolled face and whose other rows are mated probes; every person with
 * one row is a stranger. Scores of every probe against every candidate's enrolled face are kept
 * (probes x candidates), so that any gallery (a subset of candidates) is scored without new dot products.
 */
export interface OpenSetScores {
  candidates: number;
  /** Candidate index of each mated probe. */
  matedCandidate: Int32Array;
  /** matedProbes x candidates, row-major. */
  matedScores: Float32Array;
  /** strangers x candidates, row-major. */
  strangerScores: Float32Array;
  strangers: number;
}

export function openSetScores(data: LabelledEmbeddings): OpenSetScores {
  const { dimension: d, vectors, person } = data;
  const rowsOf = new Map<number, number[]>();
  person.forEach((p, row) => {
    const list = rowsOf.get(p);
    if (list) list.push(row);
    else rowsOf.set(p, [row]);
  });
  const enrolled: number[] = [];
  const mated: { row: number; candidate: number }[] = [];
  const strangers: number[] = [];
  for (const rows of rowsOf.values()) {
    if (rows.length >= 2) {
      const candidate = enrolled.length;
      enrolled.push(rows[0]!);
      for (const row of rows.slice(1)) mated.push({ row, candidate });
    } else strangers.push(rows[0]!);
  }
  const c = enrolled.length;
  const scoreRow = (row: number, out: Float32Array, offset: number) => {
    const a = row * d;
    for (let j = 0; j < c; j++) {
      const b = enrolled[j]! * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += vectors[a + k]! * vectors[b + k]!;
      out[offset + j] = s;
    }
  };
  const matedScores = new Float32Array(mated.length * c);
  mated.forEach((m, i) => scoreRow(m.row, matedScores, i * c));
  const strangerScores = new Float32Array(strangers.length * c);
  strangers.forEach((row, i) => scoreRow(row, strangerScores, i * c));
  return { candidates: c, matedCandidate: Int32Array.from(mated.map((m) => m.candidate)), matedScores, strangerScores, strangers: strangers.length };
}

export interface OpenSetResult {
  gallerySize: number;
  rank1: number;
  tpir: number;
  fpir: number;
  matedProbes: number;
  strangerProbes: number;
}

/**
 * One gallery (candidate indices): rank-1 = mated probes of gallery members whose own candidate
 * scores highest (ties count against); TPIR = rank-1 and score >= threshold; FPIR = strangers
 * whose best gallery score is >= threshold.
 */
export function scoreGallery(scores: OpenSetScores, gallery: readonly number[], threshold: number): OpenSetResult {
  const c = scores.candidates;
  const inGallery = new Uint8Array(c);
  for (const g of gallery) inGallery[g] = 1;
  let mated = 0;
  let rank1 = 0;
  let tpir = 0;
  for (let i = 0; i < scores.matedCandidate.length; i++) {
    const own = scores.matedCandidate[i]!;
    if (!inGallery[own]) continue;
    mated++;
    const row = i * c;
    const ownScore = scores.matedScores[row + own]!;
    let beaten = false;
    for (const g of gallery) {
      if (g !== own && scores.matedScores[row + g]! >= ownScore) {
        beaten = true;
        break;
      }
    }
    if (!beaten) {
      rank1++;
      if (ownScore >= threshold) tpir++;
    }
  }
  let falsePositives = 0;
  for (let i = 0; i < scores.strangers; i++) {
    const row = i * c;
    for (const g of gallery) {
      if (scores.strangerScores[row + g]! >= threshold) {
        falsePositives++;
        break;
      }
    }
  }
  return {
    gallerySize: gallery.length,
    rank1: mated === 0 ? NaN : rank1 / mated,
    tpir: mated === 0 ? NaN : tpir / mated,
    fpir: scores.strangers === 0 ? NaN : falsePositives / scores.strangers,
    matedProbes: mated,
    strangerProbes: scores.strangers,
  };
}

/** `draws` random galleries of `size` candidates (all candidates once when size is all of them), averaged. */
export function averageOverGalleries(scores: OpenSetScores, size: number, threshold: number, draws: number, random: () => number): OpenSetResult & { draws: number } {
  if (!(Number.isInteger(size) && size >= 1 && size <= scores.candidates)) throw new Error(`gallery size must be within 1..${scores.candidates}`);
  const all = Array.from({ length: scores.candidates }, (_, i) => i);
  const runs = size === scores.candidates ? 1 : draws;
  const results: OpenSetResult[] = [];
  for (let r = 0; r < runs; r++) results.push(scoreGallery(scores, sample(all, size, random), threshold));
  const mean = (f: (x: OpenSetResult) => number) => results.reduce((a, x) => a + f(x), 0) / results.length;
  return {
    gallerySize: size,
    rank1: mean((x) => x.rank1),
    tpir: mean((x) => x.tpir),
    fpir: mean((x) => x.fpir),
    matedProbes: Math.round(mean((x) => x.matedProbes)),
    strangerProbes: scores.strangers,
    draws: runs,
  };
}

/** k distinct items, partial Fisher-Yates. */
function sample<T>(items: readonly T[], k: number, random: () => number): T[] {
  const a = [...items];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}
