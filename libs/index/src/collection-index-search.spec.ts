import { describe, expect, it } from 'vitest';
import type { CollectionSpec, IdentityUpsert } from '@faceshard/contracts';
import { CollectionIndex, DEFAULT_HNSW } from './collection-index';

const spec: CollectionSpec = { name: 'people', dimension: 4, metric: 'ip' };

function unit(v: number[]): Float32Array {
  const norm = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / norm);
}

function collectionOf(identities: IdentityUpsert[]): CollectionIndex {
  const collection = CollectionIndex.create(spec, { ...DEFAULT_HNSW, efSearch: 200 });
  for (const prepared of collection.prepareUpsert(identities)) collection.applyIdentity(prepared);
  return collection;
}

/**
 * Twelve identities near the query with three faces each (near-0 nearest, near-11 farthest), and
 * twelve far from it with one face each. The index is tiny: hnswlib finds every face (ef 200).
 */
function nearAndFar(): CollectionIndex {
  const near = Array.from({ length: 12 }, (_, i) => ({
    identityId: `near-${String(i).padStart(2, '0')}`,
    faces: [0, 1, 2].map((f) => ({ faceId: `f${f}`, vector: unit([1, 0.05 * i + 0.01 * f, 0.01 * f, 0]) })),
    mode: 'replace' as const,
  }));
  const far = Array.from({ length: 12 }, (_, i) => ({
    identityId: `far-${String(i).padStart(2, '0')}`,
    faces: [{ faceId: 'f0', vector: unit([-1, 0.1 * i, 0, 0.3]) }],
    mode: 'replace' as const,
  }));
  return collectionOf([...near, ...far]);
}

const query = unit([1, 0, 0, 0]);

describe('CollectionIndex.search with pinned faces', () => {
  it('a far pinned face takes no place in the top k from nearer identities that widening finds', () => {
    const collection = nearAndFar();
    const unpinned = collection.search(query, 5).map((h) => h.identityId);
    expect(unpinned).toEqual(['near-00', 'near-01', 'near-02', 'near-03', 'near-04']);
    // 48 faces of 24 identities: the first round asks hnswlib for 10 faces, 3-4 identities; the
    // pinned far faces must not count towards the 5 (they did: far-* filled the list).
    for (let i = 0; i < 12; i++) expect(collection.pinFace(`far-${String(i).padStart(2, '0')}`, 'f0')).toBe(true);
    expect(collection.search(query, 5).map((h) => h.identityId)).toEqual(unpinned);
  });

  it('a pinned face at least as near as the graph answer is ranked with it, once', () => {
    const collection = nearAndFar();
    expect(collection.pinFace('near-01', 'f0')).toBe(true);
    const hits = collection.search(query, 5);
    expect(hits.map((h) => h.identityId)).toEqual(['near-00', 'near-01', 'near-02', 'near-03', 'near-04']);
    expect(hits[1].faceId).toBe('f0');
  });

  it('a far pinned face still answers when the index has nothing nearer to give', () => {
    const collection = collectionOf([
      { identityId: 'a', faces: [{ faceId: 'f0', vector: unit([1, 0, 0, 0]) }], mode: 'replace' },
      { identityId: 'b', faces: [{ faceId: 'f0', vector: unit([-1, 0, 0, 0.1]) }], mode: 'replace' },
    ]);
    expect(collection.pinFace('b', 'f0')).toBe(true);
    expect(collection.search(query, 5).map((h) => h.identityId)).toEqual(['a', 'b']);
  });
});

describe('CollectionIndex.search with admitsIdentity (a shard leaving out copies it handed over)', () => {
  const evenOnly = (identityId: string) => Number(identityId.slice(-2)) % 2 === 0;

  it('answers the k nearest admitted identities, as a search of a collection holding only them', () => {
    const collection = nearAndFar();
    const hits = collection.search(query, 5, { admitsIdentity: evenOnly });
    expect(hits.map((h) => h.identityId)).toEqual(['near-00', 'near-02', 'near-04', 'near-06', 'near-08']);
  });

  it('applies together with an attribute filter: both must admit', () => {
    const collection = collectionOf(
      Array.from({ length: 8 }, (_, i) => ({
        identityId: `id-${String(i).padStart(2, '0')}`,
        attributes: { team: i < 4 ? 'a' : 'b' },
        faces: [{ faceId: 'f0', vector: unit([1, 0.05 * i, 0, 0]) }],
        mode: 'replace' as const,
      })),
    );
    const hits = collection.search(query, 8, { filter: { team: 'b' }, admitsIdentity: evenOnly });
    expect(hits.map((h) => h.identityId)).toEqual(['id-04', 'id-06']);
  });

  it('admitting every identity changes nothing', () => {
    const collection = nearAndFar();
    expect(collection.search(query, 7, { admitsIdentity: () => true })).toEqual(collection.search(query, 7));
  });
});

describe('CollectionIndex.search with admitsIdentity: widening past identities left out', () => {
  it('finds the k nearest admitted identities even when every nearer one is left out', () => {
    const collection = nearAndFar();
    const admitted = new Set(['near-09', 'near-10', 'near-11', 'far-00']);
    const hits = collection.search(query, 3, { admitsIdentity: (id) => admitted.has(id) });
    expect(hits.map((h) => h.identityId)).toEqual(['near-09', 'near-10', 'near-11']);
  });

  it('answers fewer than k when fewer are admitted, and none when none are', () => {
    const collection = nearAndFar();
    expect(collection.search(query, 5, { admitsIdentity: (id) => id === 'far-03' }).map((h) => h.identityId)).toEqual(['far-03']);
    expect(collection.search(query, 5, { admitsIdentity: () => false })).toEqual([]);
  });
});
