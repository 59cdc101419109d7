import { describe, expect, it } from 'vitest';
import { parseCalibration } from './parse-calibration';
import { testCalibration } from './test-calibration';

describe('parseCalibration', () => {
  it('accepts a well-formed calibration', () => {
    expect(parseCalibration(JSON.parse(JSON.stringify(testCalibration())), 'x').modelId).toBe('test-model');
  });

  it('refuses curves the lookups cannot trust: FMR not falling, thresholds falling, missing defaults, another format', () => {
    const base = testCalibration();
    const bad = [
      null,
      { ...base, format: 2 },
      { ...base, points: [base.points[0]] },
      { ...base, points: [base.points[1], base.points[0], base.points[2]] },
      { ...base, points: [base.points[0], { ...base.points[1]!, threshold: 0.1 }, base.points[2]] },
      { ...base, defaults: { ...base.defaults, verify: undefined } },
    ];
    for (const b of bad) expect(() => parseCalibration(b, 'x'), JSON.stringify(b)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
