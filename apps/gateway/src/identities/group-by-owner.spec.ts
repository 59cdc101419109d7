import { describe, expect, it } from 'vitest';
import { groupByOwner } from './group-by-owner';

describe('groupByOwner', () => {
  it('puts every item in exactly the group of its owner, keeping order', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const groups = groupByOwner(items, (i) => `s${i % 3}`);
    expect([...groups.keys()].sort()).toEqual(['s0', 's1', 's2']);
    for (const [owner, part] of groups) {
      expect(part.every((i) => `s${i % 3}` === owner)).toBe(true);
      expect(part).toEqual([...part].sort((a, b) => a - b));
    }
    expect([...groups.values()].flat().sort((a, b) => a - b)).toEqual(items);
  });

  it('returns no groups for no items', () => {
    expect(groupByOwner([], () => 'x').size).toBe(0);
  });
});
