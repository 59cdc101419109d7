import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scoreAllPairs, shareAtOrAbove } from './pair-scores';

/** Unit rows of dimension d with a person label each. */
const labelled = fc.integer({ min: 2, max: 6 }).chain((d) =>
  fc
    .array(fc.tuple(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d, maxLength: d }), fc.integer({ min: 0, max: 5 })), { minLength: 2, maxLength: 30 })
    .map((rows) => {
      const vectors = new Float32Array(rows.length * d);
      rows.forEach(([v], i) => {
        const n = Math.hypot(...v) || 1;
        v.forEach((x, k) => (vectors[i * d + k] = n === 1 && x === 0 ? (k === 0 ? 1 : 0) : x / n));
      });
      return { dimension: d, vectors, person: Int32Array.from(rows.map(([, p]) => p)) };
    }),
);

describe('scoreAllPairs', () => {
  it('scores every pair once: same-person pairs exactly, cross-person pairs into the histogram (brute force agrees)', () => {
    fc.assert(
      fc.property(labelled, (data) => {
        const { genuine, impostors } = scoreAllPairs(data, 1024);
        const d = data.dimension;
        const g: number[] = [];
        let imp = 0;
        const dot = (i: number, j: number) => {
          let s = 0;
          for (let k = 0; k < d; k++) s += data.vectors[i * d + k]! * data.vectors[j * d + k]!;
          return s;
        };
        const expectedCounts = new Float64Array(1024);
        for (let i = 0; i < data.person.length; i++)
          for (let j = i + 1; j < data.person.length; j++) {
            if (data.person[i] === data.person[j]) g.push(dot(i, j));
            else {
              imp++;
              expectedCounts[impostors.binOf(dot(i, j))]++;
            }
          }
        expect(Array.from(genuine)).toEqual(g.sort((a, b) => a - b));
        expect(impostors.total).toBe(imp);
        expect(Array.from(impostors.counts)).toEqual(Array.from(expectedCounts));
      }),
    );
  });
});

describe('shareAtOrAbove', () => {
  it('is the share of sorted scores >= t (counted directly)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1 }), fc.double({ min: -1.5, max: 1.5, noNaN: true }), (values, t) => {
        const sorted = Float64Array.from(values).sort();
        expect(shareAtOrAbove(sorted, t)).toBe(values.filter((v) => v >= t).length / values.length);
      }),
    );
  });
});
