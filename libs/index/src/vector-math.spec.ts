import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { prepareVector } from './vector-math';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof FaceshardError ? error.code : 'not a FaceshardError';
  }
  return undefined;
}

describe('prepareVector', () => {
  it('L2-normalises for cosine', () => {
    const out = prepareVector(new Float32Array([3, 4]), 2, 'cosine');
    expect(out[0]).toBeCloseTo(0.6, 6);
    expect(out[1]).toBeCloseTo(0.8, 6);
  });

  it('passes ip vectors through unchanged', () => {
    expect(prepareVector(new Float32Array([3, -4]), 2, 'ip')).toEqual([3, -4]);
  });

  it('rejects a wrong dimension with DIMENSION_MISMATCH', () => {
    expect(codeOf(() => prepareVector(new Float32Array(3), 2, 'ip'))).toBe('DIMENSION_MISMATCH');
  });

  it('rejects NaN and infinities with INVALID_VECTOR', () => {
    expect(codeOf(() => prepareVector(new Float32Array([1, NaN]), 2, 'ip'))).toBe('INVALID_VECTOR');
    expect(codeOf(() => prepareVector(new Float32Array([Infinity, 1]), 2, 'cosine'))).toBe('INVALID_VECTOR');
  });

  it('rejects a zero vector for cosine (no direction) but allows it for ip', () => {
    expect(codeOf(() => prepareVector(new Float32Array(4), 4, 'cosine'))).toBe('INVALID_VECTOR');
    expect(prepareVector(new Float32Array(4), 4, 'ip')).toEqual([0, 0, 0, 0]);
  });

  it('rejects something that is not a Float32Array', () => {
    expect(codeOf(() => prepareVector([1, 2] as unknown, 2, 'ip'))).toBe('INVALID_VECTOR');
  });
});
