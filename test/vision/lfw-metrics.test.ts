import { describe, expect, it } from 'vitest';
import { lfwImagePath, parseLfwPairs } from '../../bench/vision/lfw-pairs';
import {
  accuracyAt,
  bestThreshold,
  binomialStandardError,
  crossValidatedAccuracy,
  foldSpread,
  rocAuc,
  swappedSplitErrors,
  tarAtFar,
  type ScoredPair,
} from '../../bench/vision/verification-metrics';

describe('parseLfwPairs', () => {
  it('reads View 1 (count header, matched then mismatched) as one fold', () => {
    const folds = parseLfwPairs('2\nA 1 2\nB 3 4\nA 1 C 2\nD 5 E 6\n');
    expect(folds).toHaveLength(1);
    expect(folds[0]).toEqual([
      { nameA: 'A', indexA: 1, nameB: 'A', indexB: 2, same: true },
      { nameA: 'B', indexA: 3, nameB: 'B', indexB: 4, same: true },
      { nameA: 'A', indexA: 1, nameB: 'C', indexB: 2, same: false },
      { nameA: 'D', indexA: 5, nameB: 'E', indexB: 6, same: false },
    ]);
  });
  it('reads View 2 (`folds perHalf` header) as folds', () => {
    const folds = parseLfwPairs('2 1\r\nA 1 2\nA 1 B 1\nC 1 2\nC 1 D 1\n');
    expect(folds.map((f) => f.map((p) => p.same))).toEqual([
      [true, false],
      [true, false],
    ]);
    expect(folds[1]![0]!.nameA).toBe('C');
  });
  it('refuses wrong counts and misplaced lines', () => {
    expect(() => parseLfwPairs('2\nA 1 2\nA 1 B 2\n')).toThrow(/header says 4/);
    expect(() => parseLfwPairs('1\nA 1 B 2\nA 1 2\n')).toThrow(/matched/);
    expect(() => parseLfwPairs('x\n')).toThrow(/header/);
  });
  it('builds image paths with four-digit numbers', () => {
    expect(lfwImagePath('George_W_Bush', 12)).toBe('George_W_Bush/George_W_Bush_0012.jpg');
  });
});

const pairs = (xs: Array<[number | undefined, boolean]>): ScoredPair[] => xs.map(([score, same]) => ({ score, same }));

describe('verification metrics', () => {
  it('accuracy counts failed pairs as wrong whatever their label', () => {
    const p = pairs([[0.9, true], [0.1, false], [undefined, true], [undefined, false]]);
    expect(accuracyAt(p, 0.5)).toBe(0.5);
  });
  it('bestThreshold finds a separating threshold and its accuracy', () => {
    const p = pairs([[0.9, true], [0.8, true], [0.7, false], [0.3, false], [0.75, true]]);
    const best = bestThreshold(p);
    expect(best.accuracy).toBe(1);
    expect(best.threshold).toBeGreaterThan(0.7);
    expect(best.threshold).toBeLessThanOrEqual(0.75);
  });
  it('bestThreshold handles overlap and matches a brute-force search', () => {
    const p = pairs([[0.9, true], [0.6, false], [0.5, true], [0.4, false], [0.2, true], [0.1, false], [undefined, true]]);
    const best = bestThreshold(p);
    const brute = Math.max(...[0, 0.15, 0.3, 0.45, 0.55, 0.75, 1].map((t) => accuracyAt(p, t)));
    expect(best.accuracy).toBeCloseTo(brute, 12);
    expect(accuracyAt(p, best.threshold)).toBeCloseTo(best.accuracy, 12);
  });
  it('rocAuc is 1 when separable, 0.5 for ties, and failures score worst for their label', () => {
    expect(rocAuc(pairs([[0.9, true], [0.1, false]]))).toBe(1);
    expect(rocAuc(pairs([[0.5, true], [0.5, false]]))).toBe(0.5);
    expect(rocAuc(pairs([[undefined, true], [0.1, false]]))).toBe(0);
    expect(rocAuc(pairs([[0.9, true], [0.8, false], [0.7, true], [0.1, false]]))).toBe(0.75);
  });
  it('tarAtFar puts the threshold at the highest impostor when FAR * impostors < 1', () => {
    const p = pairs([[0.95, true], [0.9, true], [0.85, false], [0.8, true], [0.2, false]]);
    expect(tarAtFar(p, 1e-3)).toEqual({ tar: 2 / 3, threshold: 0.85, impostors: 2 });
    // FAR 0.5 allows one of the two impostors: threshold drops to the second.
    expect(tarAtFar(p, 0.5).tar).toBe(1);
  });
  it('crossValidatedAccuracy picks each fold threshold on the other folds', () => {
    const folds = [pairs([[0.9, true], [0.1, false]]), pairs([[0.8, true], [0.2, false]]), pairs([[0.3, true], [0.7, false]])];
    const cv = crossValidatedAccuracy(folds);
    // Held-out fold 0: folds 1+2 tie at 3/4 between 0.25 and 0.75, the lower wins -> fold 0 right.
    // Held-out fold 1: threshold 0.2 (folds 0+2), so its impostor at 0.2 is accepted.
    // Held-out fold 2 (inverted scores): threshold 0.5 from the clean folds gets both wrong.
    expect(cv.thresholds.map((t) => Number(t.toFixed(6)))).toEqual([0.25, 0.2, 0.5]);
    expect(cv.perFold).toEqual([1, 0.5, 0]);
    expect(cv.mean).toBeCloseTo(0.5, 12);
    // Sample standard deviation of [1, 0.5, 0] (n - 1 = 2): sqrt(0.5 / 2) = 0.5; standard error 0.5 / sqrt(3).
    expect(cv.std).toBeCloseTo(0.5, 12);
    expect(cv.standardError).toBeCloseTo(0.5 / Math.sqrt(3), 12);
  });
  it('foldSpread uses n - 1 (sample std) and std / sqrt(n) as the standard error; one fold has no spread', () => {
    const s = foldSpread([0.99, 0.98, 0.97, 1.0]);
    expect(s.mean).toBeCloseTo(0.985, 12);
    expect(s.std).toBeCloseTo(Math.sqrt((0.005 ** 2 * 2 + 0.015 ** 2 * 2) / 3), 12);
    expect(s.standardError).toBeCloseTo(s.std / 2, 12);
    expect(foldSpread([0.9]).std).toBeNaN();
  });
  it('swappedSplitErrors scores each split at the threshold the other chose, so every pair counts once', () => {
    // Train separates at (0.7, 0.75]; test at (0.4, 0.5]. At train's threshold the test pair 0.5 (same) is
    // rejected; at test's (lowest of the ties) the train impostor 0.7 is accepted: one error each way.
    const train = pairs([[0.9, true], [0.75, true], [0.7, false], [0.2, false]]);
    const test = pairs([[0.8, true], [0.5, true], [0.4, false], [0.1, false], [undefined, true]]);
    const swapped = swappedSplitErrors(train, test);
    expect(bestThreshold(test).threshold).toBeCloseTo(0.45, 12);
    // Test at train's threshold: 0.5 rejected and the failed pair wrong (2); train at 0.45: 0.7 accepted (1).
    expect(swapped).toEqual({ errors: 3, pairs: 9, accuracy: 1 - 3 / 9, testErrors: 2, trainErrors: 1 });
    // A split scored at its own threshold would hide both threshold errors: the swap is what makes them count.
    expect(Math.round((1 - bestThreshold(test).accuracy) * test.length)).toBe(1);
  });
  it('binomialStandardError is sqrt(p (1 - p) / n): 0.31 points at 99% on 1,000 pairs', () => {
    expect(binomialStandardError(0.99, 1000)).toBeCloseTo(Math.sqrt(0.0099 / 1000), 12);
    expect(binomialStandardError(1, 1000)).toBe(0);
  });
});
