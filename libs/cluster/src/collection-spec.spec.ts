import { describe, expect, it } from 'vitest';
import type { CollectionSpec } from '@faceshard/contracts';
import { FaceshardError, NAME_PATTERN } from '@faceshard/contracts';
import fc from 'fast-check';
import { nextGeneration, sameCollectionSpec, validCollectionSpec } from './collection-spec';
import { collectionKey } from './jetstream-metadata-store';

const KV_KEY = /^[-/_=.a-zA-Z0-9]+$/;

describe('collection specs', () => {
  it('keeps only the known fields of a valid spec', () => {
    const spec = { name: 'gallery', dimension: 128, metric: 'cosine', extra: 1 } as CollectionSpec;
    expect(validCollectionSpec(spec)).toEqual({ name: 'gallery', dimension: 128, metric: 'cosine' });
  });

  it('refuses bad names, dimensions and metrics with VALIDATION_FAILED', () => {
    const bad = [
      { name: '', dimension: 1, metric: 'ip' },
      { name: 'a b', dimension: 1, metric: 'ip' },
      { name: 'ok', dimension: 0, metric: 'ip' },
      { name: 'ok', dimension: 4097, metric: 'ip' },
      { name: 'ok', dimension: 1.5, metric: 'ip' },
      { name: 'ok', dimension: 8, metric: 'l2' },
    ];
    for (const spec of bad) {
      try {
        validCollectionSpec(spec as CollectionSpec);
        expect.unreachable(JSON.stringify(spec));
      } catch (err) {
        expect((err as FaceshardError).code).toBe('VALIDATION_FAILED');
      }
    }
  });

  it('compares specs by name, dimension and metric', () => {
    const a: CollectionSpec = { name: 'g', dimension: 8, metric: 'ip' };
    expect(sameCollectionSpec(a, { ...a })).toBe(true);
    expect(sameCollectionSpec(a, { ...a, metric: 'cosine' })).toBe(false);
    expect(sameCollectionSpec(a, { ...a, dimension: 9 })).toBe(false);
  });

  it('maps every valid collection name to a valid KV key, distinct names to distinct keys', () => {
    fc.assert(
      fc.property(fc.stringMatching(NAME_PATTERN), fc.stringMatching(NAME_PATTERN), (a, b) => {
        for (const key of [collectionKey(a), collectionKey(b)]) {
          expect(key).toMatch(KV_KEY);
          expect(key.split('.').every((token) => token.length > 0)).toBe(true);
        }
        expect(collectionKey(a) === collectionKey(b)).toBe(a === b);
      }),
      { numRuns: 2000 },
    );
    expect(collectionKey('a.b')).not.toBe(collectionKey('a:b'));
    expect(collectionKey('ends.')).toMatch(KV_KEY);
  });

  it('gives a re-created name a generation above its last one, at least the wall clock, even when the clock steps back', () => {
    fc.assert(
      fc.property(fc.nat({ max: 4e12 }), fc.nat({ max: 4e12 }), (previous, now) => {
        const generation = nextGeneration(previous, now);
        expect(generation).toBeGreaterThan(previous);
        expect(generation).toBeGreaterThanOrEqual(now);
      }),
    );
  });
});
