import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SearchHit } from '@faceshard/contracts';
import { FaceshardError } from '@faceshard/contracts';
import { mergeTopK } from './merge-top-k';

// Few ids and few distinct scores, so duplicates across shards and score ties are common.
const hit: fc.Arbitrary<SearchHit> = fc.record({
  identityId: fc.constantFrom('a', 'b', 'B', 'c', 'aa', 'id-1', 'id-10', 'id-2', 'z'),
  faceId: fc.constantFrom('f1', 'f2', 'f3'),
  score: fc.oneof(fc.constantFrom(1, 0.5, 0, -0, -0.5, Number.NaN), fc.double({ min: -1, max: 1, noNaN: true })),
  shardId: fc.constantFrom('s1', 's2', 's3'),
});
const perShard = fc.array(fc.array(hit, { maxLength: 12 }), { maxLength: 5 });

/** The oracle: the deduplicated union, fully sorted, cut at k; written independently of mergeTopK. */
function naiveTopK(lists: SearchHit[][], k: number): SearchHit[] {
  const all = lists.flat().filter((h) => !Number.isNaN(h.score));
  const ids = [...new Set(all.map((h) => h.identityId))];
  // Ties between copies of one identity: faceId, then shardId, then +0 before -0.
  const key = (h: SearchHit) => [h.faceId, h.shardId ?? '', Object.is(h.score, -0) ? '1' : '0'].join('\u0000');
  const deduped = ids.map((id) => {
    const mine = all.filter((h) => h.identityId === id);
    const top = Math.max(...mine.map((h) => h.score));
    return mine.filter((h) => h.score === top).sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0))[0];
  });
  deduped.sort((x, y) => {
    if (x.score > y.score) return -1;
    if (x.score < y.score) return 1;
    return x.identityId < y.identityId ? -1 : x.identityId > y.identityId ? 1 : 0;
  });
  return deduped.slice(0, k);
}

describe('mergeTopK', () => {
  it('equals the top-k of the deduplicated union computed naively', () => {
    fc.assert(
      fc.property(perShard, fc.integer({ min: 0, max: 15 }), (lists, k) => {
        expect(mergeTopK(lists, k)).toEqual(naiveTopK(lists, k));
      }),
      { numRuns: 2000 },
    );
  });

  it('returns at most k hits, unique by identity, sorted, never NaN', () => {
    fc.assert(
      fc.property(perShard, fc.integer({ min: 0, max: 15 }), (lists, k) => {
        const out = mergeTopK(lists, k);
        expect(out.length).toBeLessThanOrEqual(k);
        expect(new Set(out.map((h) => h.identityId)).size).toBe(out.length);
        for (const h of out) expect(Number.isNaN(h.score)).toBe(false);
        for (let i = 1; i < out.length; i++) {
          const [p, q] = [out[i - 1], out[i]];
          expect(p.score > q.score || (p.score === q.score && p.identityId < q.identityId)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on the order of shards or of hits within a shard', () => {
    fc.assert(
      fc.property(perShard, fc.integer({ min: 1, max: 10 }), (lists, k) => {
        const reversed = [...lists].reverse().map((l) => [...l].reverse());
        expect(mergeTopK(reversed, k)).toEqual(mergeTopK(lists, k));
      }),
      { numRuns: 500 },
    );
  });

  it('is exact when each shard returns its own top-k of a partition of identities', () => {
    const scored = fc.uniqueArray(
      fc.record({ identityId: fc.stringMatching(/^[a-z0-9]{1,6}$/), score: fc.double({ min: -1, max: 1, noNaN: true }), shard: fc.integer({ min: 0, max: 3 }) }),
      { selector: (h) => h.identityId, maxLength: 60 },
    );
    fc.assert(
      fc.property(scored, fc.integer({ min: 1, max: 20 }), (all, k) => {
        const hits = all.map((h) => ({ identityId: h.identityId, faceId: 'f', score: h.score, shardId: `s${h.shard}` }));
        const shardTopK = [0, 1, 2, 3].map((s) => naiveTopK([hits.filter((h) => h.shardId === `s${s}`)], k));
        expect(mergeTopK(shardTopK, k)).toEqual(naiveTopK([hits], k));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the best-scoring copy of an identity reported by two shards', () => {
    const out = mergeTopK(
      [
        [{ identityId: 'p1', faceId: 'old', score: 0.4, shardId: 's1' }, { identityId: 'p2', faceId: 'x', score: 0.5, shardId: 's1' }],
        [{ identityId: 'p1', faceId: 'new', score: 0.9, shardId: 's2' }],
      ],
      10,
    );
    expect(out.map((h) => [h.identityId, h.faceId, h.score])).toEqual([['p1', 'new', 0.9], ['p2', 'x', 0.5]]);
  });

  it('breaks score ties by identityId ascending (code units: upper case before lower)', () => {
    const tie = (identityId: string): SearchHit => ({ identityId, faceId: 'f', score: 0.7 });
    expect(mergeTopK([[tie('b'), tie('a')], [tie('B'), tie('c')]], 3).map((h) => h.identityId)).toEqual(['B', 'a', 'b']);
  });

  it('handles k=0, no shards, empty shards, and k larger than the union', () => {
    const h: SearchHit = { identityId: 'x', faceId: 'f', score: 0.1 };
    expect(mergeTopK([[h]], 0)).toEqual([]);
    expect(mergeTopK([], 5)).toEqual([]);
    expect(mergeTopK([[], []], 5)).toEqual([]);
    expect(mergeTopK([[], [h]], 5)).toEqual([h]);
    expect(mergeTopK([[{ ...h, score: Number.NaN }]], 5)).toEqual([]);
  });

  it('rejects a negative or fractional k', () => {
    for (const k of [-1, 1.5, Number.NaN]) {
      expect(() => mergeTopK([], k)).toThrow(FaceshardError);
    }
  });
});
