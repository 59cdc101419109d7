import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedFalseMatchProbability, fmrForFalseMatchProbability } from './false-match-by-size';

const fmr = fc.double({ min: 0, max: 1, noNaN: true });
const n = fc.integer({ min: 0, max: 100_000_000 });

describe('expectedFalseMatchProbability', () => {
  it('is 0 with nobody enrolled, the per-comparison rate with one face, and 1 - (1 - fmr)^N in general', () => {
    fc.assert(
      fc.property(fmr, n, (f, size) => {
        expect(expectedFalseMatchProbability(f, 0)).toBe(0);
        expect(expectedFalseMatchProbability(f, 1)).toBeCloseTo(f, 12);
        expect(expectedFalseMatchProbability(f, Math.min(size, 50))).toBeCloseTo(1 - (1 - f) ** Math.min(size, 50), 9);
      }),
    );
  });

  it('grows with the collection and with the rate, stays within [0, 1], and never exceeds N·fmr (the union bound)', () => {
    fc.assert(
      fc.property(fmr, fmr, n, n, (f1, f2, a, b) => {
        const [lo, hi] = [Math.min(f1, f2), Math.max(f1, f2)];
        const [small, large] = [Math.min(a, b), Math.max(a, b)];
        const p = expectedFalseMatchProbability(lo, small);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
        expect(p).toBeLessThanOrEqual(lo * small * (1 + 1e-12) + 1e-300);
        expect(expectedFalseMatchProbability(lo, large)).toBeGreaterThanOrEqual(p);
        expect(expectedFalseMatchProbability(hi, small)).toBeGreaterThanOrEqual(p);
      }),
    );
  });

  it('keeps tiny rates: 1e-6 over 10 faces is 1e-5, not rounded away', () => {
    expect(expectedFalseMatchProbability(1e-6, 10)).toBeCloseTo(9.99996e-6, 10);
    expect(expectedFalseMatchProbability(1e-5, 100_000)).toBeCloseTo(1 - Math.exp(-1), 4);
  });

  it('is inverted by fmrForFalseMatchProbability', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 10_000_000 }), (target, size) => {
        expect(expectedFalseMatchProbability(fmrForFalseMatchProbability(target, size), size)).toBeCloseTo(target, 9);
      }),
    );
  });

  it('refuses rates outside [0, 1] and negative sizes', () => {
    expect(() => expectedFalseMatchProbability(1.5, 3)).toThrow();
    expect(() => expectedFalseMatchProbability(0.1, -1)).toThrow();
    expect(() => expectedFalseMatchProbability(Number.NaN, 1)).toThrow();
  });
});
