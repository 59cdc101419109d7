import { describe, expect, it } from 'vitest';
import { boundedInteger, checkedMinQuality } from './photo-option-bounds';

describe('photo option bounds', () => {
  it('boundedInteger takes 1..max and refuses 0, negatives, fractions, over max and NaN', () => {
    expect(boundedInteger('maxFaces', 1, 20)).toBe(1);
    expect(boundedInteger('maxFaces', 20, 20)).toBe(20);
    for (const bad of [0, -1, 1.5, 21, Number.NaN]) expect(() => boundedInteger('maxFaces', bad, 20), String(bad)).toThrow(/maxFaces must be an integer in 1\.\.20/);
  });

  it('checkedMinQuality takes [0, 1] or nothing, and refuses what no face can pass or every face passes by accident', () => {
    expect(checkedMinQuality(undefined)).toBeUndefined();
    expect(checkedMinQuality(0)).toBe(0);
    expect(checkedMinQuality(1)).toBe(1);
    for (const bad of [-0.01, 1.01, 2, Number.NaN]) expect(() => checkedMinQuality(bad), String(bad)).toThrow(/minQuality is a face quality within \[0, 1\]/);
  });
});
