import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SegmentedMap } from './segmented-map';

type Op = { kind: 'set'; key: string; value: number } | { kind: 'delete'; key: string } | { kind: 'clear' };

const keys = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', 'b', 'id-1', 'id-2', '', 'ünï', '\u{1F600}'));
const ops = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), key: keys, value: fc.integer() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keys }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
  ),
  { maxLength: 80 },
);

const byKey = (a: [string, number], b: [string, number]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

describe('SegmentedMap', () => {
  it('answers get, has, delete, size and holds the same entries as a Map after any sequence of sets, deletes and clears', () => {
    fc.assert(
      fc.property(ops, (sequence: Op[]) => {
        const segmented = new SegmentedMap<number>();
        const map = new Map<string, number>();
        const seen = new Set<string>();
        for (const op of sequence) {
          if (op.kind === 'set') {
            segmented.set(op.key, op.value);
            map.set(op.key, op.value);
            seen.add(op.key);
          } else if (op.kind === 'delete') {
            expect(segmented.delete(op.key)).toBe(map.delete(op.key));
          } else {
            segmented.clear();
            map.clear();
          }
          expect(segmented.size).toBe(map.size);
          for (const key of seen) {
            expect(segmented.get(key)).toBe(map.get(key));
            expect(segmented.has(key)).toBe(map.has(key));
          }
        }
        expect([...segmented].sort(byKey)).toEqual([...map].sort(byKey));
        expect([...segmented.keys()].sort()).toEqual([...map.keys()].sort());
        expect([...segmented.values()].sort()).toEqual([...map.values()].sort());
        expect([...segmented.entries()]).toEqual([...segmented]);
      }),
    );
  });

  it('spreads keys over its parts, so that no part grows (and rehashes) with the whole map', () => {
    const segmented = new SegmentedMap<number>();
    const n = 64_000;
    for (let i = 0; i < n; i++) segmented.set(`identity-${i}`, i);
    expect(segmented.size).toBe(n);
    // 1,000 per part if even; a Map would be one part of 64,000.
    expect(segmented.largestPartSize()).toBeLessThan(1_300);
  });
});
