import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { dotProduct, prepareVector, prepareVectorInto } from './vector-math';

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

describe('prepareVectorInto', () => {
  it('writes into the given buffer and returns it, overwriting what a previous query left', () => {
    const buffer = [9, 9];
    expect(prepareVectorInto(new Float32Array([3, 4]), buffer, 2, 'ip')).toBe(buffer);
    expect(buffer).toEqual([3, 4]);
    prepareVectorInto(new Float32Array([0, 2]), buffer, 2, 'cosine');
    expect(buffer).toEqual([0, 1]);
  });

  it('leaves the buffer alone when it refuses the vector', () => {
    const buffer = [5, 6];
    expect(codeOf(() => prepareVectorInto(new Float32Array([1, NaN]), buffer, 2, 'ip'))).toBe('INVALID_VECTOR');
    expect(buffer).toEqual([5, 6]);
  });
});

describe('dotProduct', () => {
  it('equals the running sum for every length (remainders of the four-way split included)', () => {
    for (let n = 0; n <= 9; n++) {
      const a = Float32Array.from({ length: n }, (_, i) => 0.5 - i * 0.25);
      const b = Array.from({ length: n }, (_, i) => 1 + i * 0.5);
      let expected = 0;
      for (let i = 0; i < n; i++) expected += a[i] * b[i];
      expect(dotProduct(a, b)).toBeCloseTo(expected, 12);
    }
  });

  it('is the inner product of a face and a query', () => {
    expect(dotProduct(Float32Array.of(0.6, 0.8), [0.8, 0.6])).toBeCloseTo(0.96, 6);
  });
});
