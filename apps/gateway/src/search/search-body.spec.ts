import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FaceshardError } from '@faceshard/contracts';
import { MAX_SEARCH_EF, parseSearchBody } from './search-body';

function errorOf(fn: () => unknown): FaceshardError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FaceshardError);
    return error as FaceshardError;
  }
  throw new Error('expected an error');
}

describe('parseSearchBody', () => {
  it('passes the documented fields through untouched (the vector is read later, once)', () => {
    const vector = [1, 0, 0.5, -2];
    const parsed = parseSearchBody({ vector, k: 5, minScore: -0.5, ef: 64 });
    expect(parsed).toEqual({ vector, k: 5, minScore: -0.5, ef: 64 });
    expect(parsed.vector).toBe(vector);
    expect(parseSearchBody({ vectorB64: 'AACAPw==' })).toEqual({ vectorB64: 'AACAPw==' });
  });

  it('treats null as an absent optional field, as @IsOptional did', () => {
    expect(parseSearchBody({ vectorB64: 'AACAPw==', k: null, minScore: null, ef: null, vector: null })).toEqual({ vectorB64: 'AACAPw==' });
  });

  it('refuses a body that is not a JSON object', () => {
    for (const body of [undefined, null, 'x', 3, [1, 2]]) expect(errorOf(() => parseSearchBody(body)).code).toBe('VALIDATION_FAILED');
  });

  it('refuses unknown fields, naming each', () => {
    const error = errorOf(() => parseSearchBody({ vector: [1], owner: 'm', team: 'ops' }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toEqual({ errors: ['property owner should not exist', 'property team should not exist'] });
  });

  it('takes an attribute filter (a value or a non-empty array of values per key); an empty one is no filter', () => {
    expect(parseSearchBody({ vector: [1], filter: { team: 'ops', level: [1, 2], on: true } })).toEqual({ vector: [1], filter: { team: 'ops', level: [1, 2], on: true } });
    expect(parseSearchBody({ vector: [1], filter: {} })).toEqual({ vector: [1] });
  });

  it('refuses a filter that is not an object of scalar values, with the other problems of the body', () => {
    for (const filter of ['ops', [1], { team: { $ne: 'ops' } }, { team: [] }, { team: [{}] }]) {
      const error = errorOf(() => parseSearchBody({ vector: [1], k: 0, filter }));
      expect(error.code, JSON.stringify(filter)).toBe('VALIDATION_FAILED');
      expect((error.details as { errors: string[] }).errors, JSON.stringify(filter)).toHaveLength(2);
    }
  });

  it('lists every wrongly typed field in one answer', () => {
    const error = errorOf(() => parseSearchBody({ vector: 'x', vectorB64: 7, k: 1.5, minScore: 'high', ef: 0 }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details as { errors: string[] }).errors).toHaveLength(5);
  });

  it('bounds ef to 1..MAX_SEARCH_EF and k to integers >= 1', () => {
    expect(parseSearchBody({ ef: MAX_SEARCH_EF }).ef).toBe(MAX_SEARCH_EF);
    expect(errorOf(() => parseSearchBody({ ef: MAX_SEARCH_EF + 1 })).code).toBe('VALIDATION_FAILED');
    expect(errorOf(() => parseSearchBody({ k: '10' })).code).toBe('VALIDATION_FAILED');
    expect(errorOf(() => parseSearchBody({ minScore: Infinity })).code).toBe('VALIDATION_FAILED');
  });

  it('takes farTarget only as a rate strictly between 0 and 1', () => {
    expect(parseSearchBody({ farTarget: 1e-5 }).farTarget).toBe(1e-5);
    for (const farTarget of [0, 1, -1e-3, '1e-3', Number.NaN]) expect(errorOf(() => parseSearchBody({ farTarget })).code).toBe('VALIDATION_FAILED');
  });

  it('accepts k exactly when it is an integer >= 1 (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean()), (k) => {
        const valid = typeof k === 'number' && Number.isInteger(k) && k >= 1;
        let accepted: boolean;
        try {
          accepted = parseSearchBody({ k }).k === k;
        } catch (error) {
          accepted = !(error instanceof FaceshardError && error.code === 'VALIDATION_FAILED');
        }
        expect(accepted).toBe(valid);
      }),
    );
  });
});
