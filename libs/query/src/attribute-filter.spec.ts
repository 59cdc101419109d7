import { describe, expect, it } from 'vitest';
import { matchesFilter, readAttributeFilter } from './attribute-filter';

describe('matchesFilter', () => {
  it('needs every key to equal the value or be one of the listed values', () => {
    const attributes = { team: 'red', level: 3, active: true, tags: ['x'] };
    expect(matchesFilter(attributes, { team: 'red' })).toBe(true);
    expect(matchesFilter(attributes, { team: 'red', level: 3, active: true })).toBe(true);
    expect(matchesFilter(attributes, { team: ['blue', 'red'] })).toBe(true);
    expect(matchesFilter(attributes, { team: 'blue' })).toBe(false);
    expect(matchesFilter(attributes, { level: '3' })).toBe(false);
    expect(matchesFilter(attributes, { missing: 'x' })).toBe(false);
    expect(matchesFilter(attributes, { tags: 'x' })).toBe(false); // non-scalar attributes never match
    expect(matchesFilter(undefined, { team: 'red' })).toBe(false);
  });
});

describe('readAttributeFilter', () => {
  it('accepts scalars and non-empty scalar arrays, treats empty as no filter, refuses the rest', () => {
    expect(readAttributeFilter({ a: 1, b: ['x', true] })).toEqual({ a: 1, b: ['x', true] });
    expect(readAttributeFilter({})).toBeUndefined();
    expect(readAttributeFilter(undefined)).toBeUndefined();
    for (const bad of [[1], 'x', { a: { b: 1 } }, { a: [] }, { a: [{}] }, { a: null }]) {
      expect(() => readAttributeFilter(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});
