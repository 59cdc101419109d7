import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds } from './json-depth';

const nested = (levels: number) => JSON.parse('['.repeat(levels) + ']'.repeat(levels));

describe('jsonDepthExceeds', () => {
  it('counts objects and arrays as levels and scalars as none', () => {
    expect(jsonDepthExceeds(5, 0)).toBe(false);
    expect(jsonDepthExceeds({}, 0)).toBe(true);
    expect(jsonDepthExceeds({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(jsonDepthExceeds({ a: [1, { b: 2 }] }, 2)).toBe(true);
  });

  it('walks a body nested 200k levels deep without overflowing the stack', () => {
    expect(jsonDepthExceeds(nested(200_000), 32)).toBe(true);
    expect(jsonDepthExceeds(nested(32), 32)).toBe(false);
    expect(jsonDepthExceeds(nested(33), 32)).toBe(true);
  });
});
