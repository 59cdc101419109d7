import { describe, expect, it } from 'vitest';
import { LabelAllocator, grownCapacity } from './label-allocator';

describe('LabelAllocator', () => {
  it('hands out 0, 1, 2, ...', () => {
    const labels = new LabelAllocator();
    expect([labels.allocate(), labels.allocate(), labels.allocate()]).toEqual([0, 1, 2]);
    expect(labels.next).toBe(3);
    expect(labels.live).toBe(3);
  });

  it('never hands out a freed label again (reuse would be an in-place hnswlib update of a deleted node)', () => {
    const labels = new LabelAllocator();
    for (let i = 0; i < 5; i++) labels.allocate();
    labels.release(1);
    labels.release(3);
    expect(labels.live).toBe(3);
    expect([labels.allocate(), labels.allocate()]).toEqual([5, 6]);
    expect(labels.freeCount).toBe(2);
    expect(labels.live).toBe(5);
  });

  it('takes a freed label back when its node is revived (and only a freed one)', () => {
    const labels = new LabelAllocator();
    for (let i = 0; i < 4; i++) labels.allocate();
    labels.release(1);
    labels.release(2);
    labels.reclaim(1);
    expect(labels.state()).toEqual({ next: 4, free: [2] });
    expect(labels.live).toBe(3);
    expect(() => labels.reclaim(1)).toThrow(/not free/);
    expect(() => labels.reclaim(3)).toThrow(/not free/);
    expect(labels.allocate()).toBe(4);
  });

  it('refuses to free a label it never handed out', () => {
    const labels = new LabelAllocator();
    labels.allocate();
    expect(() => labels.release(1)).toThrow(/never allocated/);
    expect(() => labels.release(-1)).toThrow();
    expect(() => labels.release(0.5)).toThrow();
  });

  it('rejects an inconsistent saved state', () => {
    expect(() => new LabelAllocator({ next: 2, free: [2] })).toThrow();
    expect(() => new LabelAllocator({ next: 2, free: [1, 1] })).toThrow();
    expect(() => new LabelAllocator({ next: -1, free: [] })).toThrow();
  });

  it('continues identically from a saved state (replay determinism)', () => {
    // Drive one allocator with a pseudo-random op sequence, save mid-way, continue both.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const live: number[] = [];
    const original = new LabelAllocator();
    const step = (allocator: LabelAllocator, pool: number[], r: number, s: number): number => {
      if (pool.length > 0 && r < 0.4) {
        const [label] = pool.splice(Math.floor(s * pool.length), 1);
        allocator.release(label);
        return -label - 1;
      }
      const label = allocator.allocate();
      pool.push(label);
      return label;
    };
    for (let i = 0; i < 500; i++) step(original, live, random(), random());
    const restored = new LabelAllocator(original.state());
    const liveCopy = [...live];
    const draws = Array.from({ length: 500 }, () => [random(), random()]);
    const fromOriginal = draws.map(([r, s]) => step(original, live, r, s));
    const fromRestored = draws.map(([r, s]) => step(restored, liveCopy, r, s));
    expect(fromRestored).toEqual(fromOriginal);
    expect(restored.state()).toEqual(original.state());
  });

  it('state() is a copy, not a view', () => {
    const labels = new LabelAllocator();
    labels.allocate();
    labels.release(0);
    const saved = labels.state();
    labels.allocate();
    expect(saved).toEqual({ next: 1, free: [0] });
  });
});

describe('grownCapacity', () => {
  it('doubles until the needed size fits', () => {
    expect(grownCapacity(1024, 1025, 1024)).toBe(2048);
    expect(grownCapacity(1024, 5000, 1024)).toBe(8192);
    expect(grownCapacity(100, 50, 10)).toBe(100);
  });

  it('starts from the minimum when the current capacity is 0', () => {
    expect(grownCapacity(0, 1, 16)).toBe(16);
    expect(grownCapacity(0, 1, 0)).toBe(1);
  });
});
