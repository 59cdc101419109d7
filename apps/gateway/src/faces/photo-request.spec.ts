import { describe, expect, it } from 'vitest';
import { readOptions } from './photo-request';

const form = { imageFields: ['image'], options: { externalId: 'string', limit: 'int', threshold: 'number', single: 'boolean', filter: 'object' } } as const;

describe('readOptions', () => {
  it('keeps options of the declared types and drops nulls', () => {
    expect(readOptions({ externalId: 'a', limit: 3, threshold: 0.5, single: true, filter: { team: 'x' }, unused: undefined as never }, { ...form, options: { ...form.options, unused: 'string' } })).toEqual({
      externalId: 'a',
      limit: 3,
      threshold: 0.5,
      single: true,
      filter: { team: 'x' },
    });
    expect(readOptions({ limit: null }, form)).toEqual({});
  });

  it('refuses unknown options and wrong types with VALIDATION_FAILED naming the field', () => {
    const bad: Record<string, unknown>[] = [{ extra: 1 }, { limit: 1.5 }, { limit: '3' }, { threshold: 'x' }, { threshold: Infinity }, { single: 'true' }, { filter: [1] }, { externalId: 5 }];
    for (const raw of bad) {
      expect(() => readOptions(raw, form), JSON.stringify(raw)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});
