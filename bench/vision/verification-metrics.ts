/**
 * Verification metrics over scored pairs. A pair whose photo yielded no face has score
 * undefined: it counts as WRONG at every threshold (never dropped), and as the worst possible
 * score for its label in ROC AUC / TAR (genuine -> -Infinity, impostor -> +Infinity).
 */
export interface ScoredPair {
  score: number | undefined;
  same: boolean;
}

/** Fraction of pairs called right with "same" = score >= threshold; failed pairs are wrong. */
export function accuracyAt(pairs: readonly ScoredPair[], threshold: number): number {
  if (pairs.length === 0) return 0;
  let right = 0;
  for (const p of pairs) if (p.score !== undefined && p.score >= threshold === p.same) right++;
  return right / pairs.length;
}

/** The threshold with the best accuracy on `pairs` (midpoints between consecutive distinct scores). */
export function bestThreshold(pairs: readonly ScoredPair[]): { threshold: number; accuracy: number } {
  const scores = [...new Set(pairs.filter((p) => p.score !== undefined).map((p) => p.score!))].sort((a, b) => a - b);
  if (scores.length === 0) return { threshold: 0, accuracy: accuracyAt(pairs, 0) };
  const candidates = [scores[0]! - 1e-6];
  for (let i = 0; i + 1 < scores.length; i++) candidates.push((scores[i]! + scores[i + 1]!) / 2);
  candidates.push(scores[scores.length - 1]! + 1e-6);
  // Sweep in O(n log n): count right answers as the threshold passes each score.
  const sorted = pairs.filter((p) => p.score !== undefined).sort((a, b) => a.score! - b.score!);
  let right = sorted.filter((p) => p.same).length; // threshold below everything: all called same
  let best = { threshold: candidates[0]!, accuracy: right / pairs.length };
  let j = 0;
  for (let c = 1; c < candidates.length; c++) {
    const t = candidates[c]!;
    while (j < sorted.length && sorted[j]!.score! < t) {
      right += sorted[j]!.same ? -1 : 1;
      j++;
    }
    if (right / pairs.length > best.accuracy) best = { threshold: t, accuracy: right / pairs.length };
  }
  return best;
}

/**
 * Errors over both View 1 splits with the thresholds swapped: each split scored at the threshold
 * chosen on the other (DevTest at DevTrain's, DevTrain at DevTest's). Every pair is then scored by
 * a threshold it did not choose, so all 3,200 pairs count instead of one 1,000-pair split: the
 * figure vision-models.md's alignment study gives (a split's error count alone moves by ±3 pairs).
 */
export function swappedSplitErrors(train: readonly ScoredPair[], test: readonly ScoredPair[]): { errors: number; pairs: number; accuracy: number; testErrors: number; trainErrors: number } {
  const errorsAt = (pairs: readonly ScoredPair[], threshold: number): number => Math.round((1 - accuracyAt(pairs, threshold)) * pairs.length);
  const testErrors = errorsAt(test, bestThreshold(train).threshold);
  const trainErrors = errorsAt(train, bestThreshold(test).threshold);
  const pairs = train.length + test.length;
  return { errors: testErrors + trainErrors, pairs, accuracy: pairs === 0 ? 0 : 1 - (testErrors + trainErrors) / pairs, testErrors, trainErrors };
}

function effectiveScore(p: ScoredPair): number {
  return p.score ?? (p.same ? -Infinity : Infinity);
}

/** Area under the ROC curve (Mann-Whitney U, ties count half). */
export function rocAuc(pairs: readonly ScoredPair[]): number {
  const ranked = pairs.map((p) => ({ s: effectiveScore(p), same: p.same })).sort((a, b) => a.s - b.s);
  const nPos = ranked.filter((p) => p.same).length;
  const nNeg = ranked.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  let rankSumPos = 0;
  for (let i = 0; i < ranked.length; ) {
    let j = i;
    while (j < ranked.length && ranked[j]!.s === ranked[i]!.s) j++;
    const avgRank = (i + 1 + j) / 2; // ranks i+1..j share their mean
    for (let k = i; k < j; k++) if (ranked[k]!.same) rankSumPos += avgRank;
    i = j;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * True accept rate at the strictest threshold whose false accept rate is <= `far`. With few
 * impostor pairs (500 in DevTest) FAR=1e-3 means "no impostor accepted": the threshold sits
 * just above the highest impostor score.
 */
export function tarAtFar(pairs: readonly ScoredPair[], far: number): { tar: number; threshold: number; impostors: number } {
  const impostor = pairs.filter((p) => !p.same).map(effectiveScore).sort((a, b) => b - a);
  const genuine = pairs.filter((p) => p.same).map(effectiveScore);
  const allowed = Math.floor(far * impostor.length);
  // Accept iff score > threshold; threshold = the (allowed+1)-th highest impostor score.
  const threshold = impostor.length > allowed ? impostor[allowed]! : -Infinity;
  const tar = genuine.length === 0 ? NaN : genuine.filter((s) => s > threshold).length / genuine.length;
  return { tar, threshold, impostors: impostor.length };
}

/**
 * Spread of per-fold accuracies as LFW's protocol reports it: the SAMPLE standard deviation
 * (n - 1 in the denominator) and the standard error of the mean, std / sqrt(n).
 */
export function foldSpread(perFold: readonly number[]): { mean: number; std: number; standardError: number } {
  const n = perFold.length;
  const mean = perFold.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(perFold.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, std, standardError: std / Math.sqrt(n) };
}

/**
 * Standard error of one accuracy measured on n independent pairs (View 1 has one test split, so
 * no folds): sqrt(p (1 - p) / n). At 99% on 1,000 pairs it is 0.31 points.
 */
export function binomialStandardError(accuracy: number, pairs: number): number {
  return Math.sqrt((accuracy * (1 - accuracy)) / pairs);
}

/** 10-fold protocol (View 2): threshold from the other nine folds, accuracy on the held-out one. */
export function crossValidatedAccuracy(folds: readonly (readonly ScoredPair[])[]): {
  mean: number;
  std: number;
  standardError: number;
  perFold: number[];
  thresholds: number[];
} {
  const perFold: number[] = [];
  const thresholds: number[] = [];
  folds.forEach((fold, i) => {
    const train = folds.filter((_, j) => j !== i).flat();
    const { threshold } = bestThreshold(train);
    thresholds.push(threshold);
    perFold.push(accuracyAt(fold, threshold));
  });
  return { ...foldSpread(perFold), perFold, thresholds };
}

/** Cosine similarity of two unit vectors: their dot product. */
export function unitCosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
