import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateHnswBytes } from './hnsw-memory';

describe('estimateHnswBytes', () => {
  it('is dominated by capacity x (vector + level-0 links): 10k slots of 512-d, M=16', () => {
    const bytes = estimateHnswBytes({ capacity: 10_000, elements: 10_000, dimension: 512, M: 16 });
    // 10k x (128 + 4 + 2048 + 8 + 14) = 22.02 MB, upper levels and labels add ~0.4 MB.
    expect(bytes).toBeGreaterThan(22_000_000);
    expect(bytes).toBeLessThan(22_600_000);
  });

  it('grows with capacity, elements, dimension and M, and is 0 for an empty index without capacity', () => {
    expect(estimateHnswBytes({ capacity: 0, elements: 0, dimension: 128, M: 16 })).toBe(0);
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(100_000), fc.integer({ min: 1, max: 2048 }), fc.integer({ min: 2, max: 64 }), (capacity, elements, dimension, M) => {
        const base = estimateHnswBytes({ capacity, elements, dimension, M });
        expect(estimateHnswBytes({ capacity: capacity + 1, elements, dimension, M })).toBeGreaterThan(base);
        expect(estimateHnswBytes({ capacity, elements: elements + 1, dimension, M })).toBeGreaterThan(base);
        expect(estimateHnswBytes({ capacity: capacity + 1, elements, dimension: dimension + 1, M })).toBeGreaterThan(estimateHnswBytes({ capacity: capacity + 1, elements, dimension, M }));
      }),
    );
  });
});
