import { describe, expect, it } from 'vitest';
import { decodeBase64Image, readOptions } from './photo-request';

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

describe('decodeBase64Image', () => {
  const bytes = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37) % 256));
  const b64 = bytes.toString('base64');

  it('takes plain base64, a data: URL, and MIME-style base64 wrapped every 76 characters (LF or CRLF)', () => {
    const wrapped = (eol: string) => b64.match(/.{1,76}/g)!.join(eol) + eol;
    for (const value of [b64, `data:image/jpeg;base64,${b64}`, wrapped('\n'), wrapped('\r\n'), ` ${b64} `]) {
      expect(decodeBase64Image('image', value, 10_000).equals(bytes), JSON.stringify(value.slice(0, 90))).toBe(true);
    }
  });

  it('still refuses what is not base64, and measures the size before decoding', () => {
    expect(() => decodeBase64Image('image', 'not base64!', 10_000)).toThrow(/image is not base64/);
    expect(() => decodeBase64Image('image', 42, 10_000)).toThrow(/image must be a base64 string/);
    expect(() => decodeBase64Image('image', b64, 100)).toThrow(expect.objectContaining({ code: 'IMAGE_TOO_LARGE' }));
  });
});
