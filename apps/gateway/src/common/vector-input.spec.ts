import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FaceshardError, type CollectionSpec } from '@faceshard/contracts';
import { decodeVector, encodeBase64Floats, MAX_IP_VECTOR_NORM, readVector } from './vector-input';

const spec: CollectionSpec = { name: 'people', dimension: 4, metric: 'cosine' };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FaceshardError);
    return (error as FaceshardError).code;
  }
  throw new Error('expected an error');
}

describe('readVector', () => {
  it('accepts a JSON array of the right dimension', () => {
    expect(Array.from(readVector({ vector: [1, 0, 0.5, -2] }, spec))).toEqual([1, 0, 0.5, -2]);
  });

  it('decodes base64 little-endian float32 to the same vector', () => {
    const original = Float32Array.from([0.1, -0.2, 0.3, 1e-7]);
    expect(readVector({ vectorB64: encodeBase64Floats(original) }, spec)).toEqual(original);
  });

  it('decodes MIME-style base64 (wrapped in lines) to the same vector', () => {
    const wide: CollectionSpec = { name: 'wide', dimension: 128, metric: 'cosine' };
    const original = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i + 1));
    const wrapped = encodeBase64Floats(original).match(/.{1,76}/g)!.join('\r\n') + '\n';
    expect(readVector({ vectorB64: wrapped }, wide)).toEqual(original);
    expect(codeOf(() => readVector({ vectorB64: wrapped.replace('A', '!') }, wide))).toBe('INVALID_VECTOR');
  });

  it('rejects the wrong dimension with DIMENSION_MISMATCH', () => {
    expect(codeOf(() => readVector({ vector: [1, 2, 3] }, spec))).toBe('DIMENSION_MISMATCH');
    expect(codeOf(() => readVector({ vectorB64: encodeBase64Floats(new Float32Array(5).fill(1)) }, spec))).toBe('DIMENSION_MISMATCH');
  });

  it('rejects NaN and Infinity smuggled in through base64', () => {
    expect(codeOf(() => readVector({ vectorB64: encodeBase64Floats(Float32Array.from([1, NaN, 0, 0])) }, spec))).toBe('INVALID_VECTOR');
    expect(codeOf(() => readVector({ vectorB64: encodeBase64Floats(Float32Array.from([1, Infinity, 0, 0])) }, spec))).toBe('INVALID_VECTOR');
  });

  it('rejects values that overflow float32', () => {
    expect(codeOf(() => readVector({ vector: [1e39, 0, 0, 0] }, spec))).toBe('INVALID_VECTOR');
  });

  it('rejects both or neither vector forms, bad base64 and ragged byte counts', () => {
    expect(codeOf(() => readVector({}, spec))).toBe('INVALID_VECTOR');
    expect(codeOf(() => readVector({ vector: [1, 0, 0, 0], vectorB64: 'AAAA' }, spec))).toBe('INVALID_VECTOR');
    expect(codeOf(() => readVector({ vectorB64: 'not base64!' }, spec))).toBe('INVALID_VECTOR');
    expect(codeOf(() => readVector({ vectorB64: Buffer.from([1, 2, 3]).toString('base64') }, spec))).toBe('INVALID_VECTOR');
  });

  it('rejects ip vectors whose norm could overflow a float32 score, sent as JSON or base64', () => {
    const ip: CollectionSpec = { ...spec, metric: 'ip' };
    // Finite in float32 (max ~3.4e38), but q.v = 1e40 is not: hnswlib would score it Infinity.
    expect(codeOf(() => readVector({ vector: [1e20, 0, 0, 0] }, ip))).toBe('INVALID_VECTOR');
    expect(codeOf(() => readVector({ vectorB64: encodeBase64Floats(Float32Array.from([3e38, 3e38, 0, 0])) }, ip))).toBe('INVALID_VECTOR');
    expect(codeOf(() => readVector({ vector: [MAX_IP_VECTOR_NORM * 1.01, 0, 0, 0] }, ip))).toBe('INVALID_VECTOR');
    // At the bound, the worst score is 1e30: finite in float32.
    expect(Math.fround(MAX_IP_VECTOR_NORM * MAX_IP_VECTOR_NORM)).toBeLessThan(Infinity);
    expect(readVector({ vector: [MAX_IP_VECTOR_NORM * 0.99, 0, 0, 0] }, ip)[0]).toBeGreaterThan(0);
    // cosine normalises in float64: a large vector is only a direction there.
    expect(readVector({ vector: [1e20, 0, 0, 0] }, spec)[0]).toBe(Math.fround(1e20));
  });

  it('rejects the zero vector for cosine but allows it for inner product', () => {
    expect(codeOf(() => readVector({ vector: [0, 0, 0, 0] }, spec))).toBe('INVALID_VECTOR');
    expect(Array.from(readVector({ vector: [0, 0, 0, 0] }, { ...spec, metric: 'ip' }))).toEqual([0, 0, 0, 0]);
  });

  it('refuses components that are not finite JSON numbers as VALIDATION_FAILED, naming the component', () => {
    for (const bad of [null, '1', true, [1], {}, Infinity, NaN]) {
      const vector = [1, 0, bad, 0] as unknown as number[];
      expect(codeOf(() => readVector({ vector }, spec))).toBe('VALIDATION_FAILED');
    }
    expect(() => readVector({ vector: [1, 0, 0, '0' as unknown as number] }, spec, 'faces[3]')).toThrow(/faces\[3\]: component 3 must be a finite number, got "0"/);
    expect(codeOf(() => readVector({ vector: 'abcd' as unknown as number[] }, spec))).toBe('VALIDATION_FAILED');
  });

  it('decodes unpadded base64 too, and treats a null form as absent', () => {
    const original = Float32Array.from([0.5, -1, 2, 3]);
    const unpadded = encodeBase64Floats(original).replace(/=+$/, '');
    expect(readVector({ vectorB64: unpadded }, spec)).toEqual(original);
    expect(readVector({ vector: null as unknown as number[], vectorB64: encodeBase64Floats(original) }, spec)).toEqual(original);
  });

  it('decodes base64 into a vector that owns its memory (not a view of a shared pool)', () => {
    const v = readVector({ vectorB64: encodeBase64Floats(Float32Array.from([1, 2, 3, 4])) }, spec);
    expect(v.byteOffset).toBe(0);
    expect(v.buffer.byteLength).toBe(16);
  });

  it('computes the norm in the decoding pass exactly as a second pass would (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 64 }), (values) => {
        const viaJson = decodeVector({ vector: values });
        const viaB64 = decodeVector({ vectorB64: encodeBase64Floats(Float32Array.from(values)) });
        let expected = 0;
        for (const v of Float32Array.from(values)) expected += v * v;
        expect(viaJson.vector).toEqual(Float32Array.from(values));
        expect(viaB64.vector).toEqual(Float32Array.from(values));
        expect(viaJson.squaredNorm).toBe(expected);
        expect(viaB64.squaredNorm).toBe(expected);
      }),
    );
  });
});
