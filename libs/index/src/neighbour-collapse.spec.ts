import { describe, expect, it } from 'vitest';
import { collapseNeighbours, initialFetchCount, rankBest } from './neighbour-collapse';

// label -> identity: labels 0,1,2 belong to A; 3,4 to B; 5 to C; 6 has no owner.
const owners = ['A', 'A', 'A', 'B', 'B', 'C'];
const ownerOf = (label: number) => owners[label];

describe('collapseNeighbours', () => {
  it('keeps one entry per identity with its best-scoring face', () => {
    // nearest first: distances ascending
    const collapsed = collapseNeighbours([1, 3, 0, 5, 4, 2], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], ownerOf, -Infinity);
    expect(collapsed.best.map((b) => [b.owner, b.label])).toEqual([
      ['A', 1],
      ['B', 3],
      ['C', 5],
    ]);
    expect(collapsed.best[0].score).toBeCloseTo(0.9);
    expect(collapsed.belowMinScore).toBe(false);
  });

  it('does not rely on the input being sorted', () => {
    const collapsed = collapseNeighbours([2, 1, 4, 3], [0.6, 0.1, 0.5, 0.2], ownerOf, -Infinity);
    expect(collapsed.best.map((b) => [b.owner, b.label])).toEqual([
      ['A', 1],
      ['B', 3],
    ]);
  });

  it('drops neighbours below minScore and says so', () => {
    const collapsed = collapseNeighbours([0, 3, 5], [0.1, 0.45, 0.7], ownerOf, 0.5);
    expect(collapsed.best.map((b) => b.owner)).toEqual(['A', 'B']);
    expect(collapsed.belowMinScore).toBe(true);
  });

  it('skips labels without an owner', () => {
    const collapsed = collapseNeighbours([6, 5], [0.0, 0.1], ownerOf, -Infinity);
    expect(collapsed.best.map((b) => b.owner)).toEqual(['C']);
  });
});

describe('rankBest', () => {
  it('sorts by score descending, ties by identity id, and keeps k', () => {
    const best = [
      { owner: 'zed', label: 0, score: 0.5 },
      { owner: 'amy', label: 1, score: 0.5 },
      { owner: 'bob', label: 2, score: 0.9 },
      { owner: 'cat', label: 3, score: 0.1 },
    ];
    expect(rankBest(best, 3, (o) => o).map((b) => b.owner)).toEqual(['bob', 'amy', 'zed']);
    expect(best[0].owner).toBe('zed'); // input untouched
  });
});

describe('initialFetchCount', () => {
  it('asks for k times the average faces per identity, capped by what exists', () => {
    expect(initialFetchCount(10, 1000, 1000)).toBe(10);
    expect(initialFetchCount(10, 3000, 1000)).toBe(30);
    expect(initialFetchCount(10, 5, 5)).toBe(5);
    expect(initialFetchCount(10, 0, 0)).toBe(0);
  });
});
