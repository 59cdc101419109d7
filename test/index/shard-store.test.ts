import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { ShardStore } from '@faceshard/index';
import { dot, makeIdentities, makeTempDir, nearVector, randomUnitVector, removeDir, seededRandom, vectorFor } from './helpers';

const DIM = 32;
const spec = { name: 'gallery', dimension: DIM, metric: 'cosine' as const };

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    if (typeof promise === 'function') promise();
    else await promise;
  } catch (error) {
    return error instanceof FaceshardError ? error.code : `not a FaceshardError: ${String(error)}`;
  }
  return undefined;
}

describe('ShardStore on a real disk with real hnswlib', () => {
  let dir: string;
  let store: ShardStore;

  beforeEach(async () => {
    dir = makeTempDir('store');
    store = await ShardStore.open({ dataDir: dir, hnsw: { initialCapacity: 16 } });
    await store.ensureCollection(spec);
  });

  afterEach(async () => {
    await store.close();
    removeDir(dir);
  });

  it('creates collections idempotently and refuses a conflicting spec', async () => {
    await store.ensureCollection(spec);
    expect(store.listCollections()).toEqual([spec]);
    expect(await codeOf(store.ensureCollection({ ...spec, dimension: 64 }))).toBe('COLLECTION_EXISTS');
    expect(await codeOf(store.ensureCollection({ ...spec, metric: 'ip' }))).toBe('COLLECTION_EXISTS');
    expect(await codeOf(store.ensureCollection({ name: 'bad name', dimension: 4, metric: 'ip' }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(store.ensureCollection({ name: 'x', dimension: 0, metric: 'ip' }))).toBe('VALIDATION_FAILED');
    expect(await store.dropCollection('gallery')).toBe(true);
    expect(await store.dropCollection('gallery')).toBe(false);
    expect(store.listCollections()).toEqual([]);
  });

  it('validates inputs defensively', async () => {
    const good = makeIdentities(0, 1, DIM)[0];
    expect(await codeOf(store.upsert('nope', [good]))).toBe('COLLECTION_NOT_FOUND');
    expect(await codeOf(store.upsert('gallery', [{ ...good, faces: [{ faceId: 'f', vector: new Float32Array(DIM + 1) }] }]))).toBe('DIMENSION_MISMATCH');
    const nan = new Float32Array(DIM).fill(0.1);
    nan[3] = NaN;
    expect(await codeOf(store.upsert('gallery', [{ ...good, faces: [{ faceId: 'f', vector: nan }] }]))).toBe('INVALID_VECTOR');
    expect(await codeOf(store.upsert('gallery', [{ ...good, identityId: 'has space' }]))).toBe('INVALID_ID');
    expect(await codeOf(store.upsert('gallery', [{ ...good, attributes: { f: () => 1 } }]))).toBe('VALIDATION_FAILED');
    expect(await codeOf(store.upsert('gallery', [{ ...good, mode: 'merge' as 'append' }]))).toBe('VALIDATION_FAILED');
    expect(await codeOf(() => store.search('gallery', new Float32Array(DIM - 1), 3))).toBe('DIMENSION_MISMATCH');
    expect(await codeOf(() => store.search('gallery', new Float32Array(DIM).fill(Infinity), 3))).toBe('INVALID_VECTOR');
    expect(await codeOf(() => store.search('nope', new Float32Array(DIM), 3))).toBe('COLLECTION_NOT_FOUND');
    expect(await codeOf(() => store.search('gallery', good.faces[0].vector, 0))).toBe('VALIDATION_FAILED');
    // A rejected batch leaves nothing behind, even its valid members.
    expect(await codeOf(store.upsert('gallery', [good, { ...good, identityId: 'id-x', faces: [{ faceId: 'f', vector: nan }] }]))).toBe('INVALID_VECTOR');
    expect(store.getIdentity('gallery', good.identityId)).toBeNull();
    expect(store.stats()[0]).toMatchObject({ identities: 0, faces: 0 });
  });

  it('ingests, finds each vector as its own best match, grows capacity beyond the initial 16', async () => {
    const identities = makeIdentities(0, 300, DIM);
    expect(await store.upsert('gallery', identities)).toEqual({ upserted: 300, faces: 300 });
    expect(store.stats()).toEqual([{ name: 'gallery', dimension: DIM, metric: 'cosine', identities: 300, faces: 300, revivedFaces: 0 }]);
    for (const identity of identities.slice(0, 50)) {
      const [top] = store.search('gallery', identity.faces[0].vector, 1);
      expect(top.identityId).toBe(identity.identityId);
      expect(top.faceId).toBe('f0');
      expect(top.score).toBeCloseTo(1, 5);
      expect(top.attributes).toEqual(identity.attributes);
    }
    expect(store.getIdentity('gallery', 'id-7')).toEqual({ identityId: 'id-7', attributes: { n: 7 }, faceIds: ['f0'] });
  });

  it('answers per identity: k distinct identities, each with its best face, even when one identity crowds the neighbourhood', async () => {
    const random = seededRandom(11);
    const query = randomUnitVector(DIM, random);
    // "crowd" has 60 faces all very close to the query; 40 others have one face each, a bit further.
    const crowdFaces = Array.from({ length: 60 }, (_, i) => ({ faceId: `c${i}`, vector: nearVector(query, 0.05, random) }));
    const bestCrowdFace = crowdFaces.reduce((best, f) => (dot(f.vector, query) > dot(best.vector, query) ? f : best));
    await store.upsert('gallery', [{ identityId: 'crowd', mode: 'replace', faces: crowdFaces }]);
    const others = Array.from({ length: 40 }, (_, i) => ({
      identityId: `other-${String(i).padStart(2, '0')}`,
      mode: 'replace' as const,
      faces: [{ faceId: 'only', vector: nearVector(query, 0.6, random) }],
    }));
    await store.upsert('gallery', others);
    // A small initial fetch forces the widening loop: the first 60 vectors are all "crowd".
    const hits = store.search('gallery', query, 5);
    expect(hits).toHaveLength(5);
    expect(new Set(hits.map((h) => h.identityId)).size).toBe(5);
    expect(hits[0]).toMatchObject({ identityId: 'crowd', faceId: bestCrowdFace.faceId });
    expect(hits[0].score).toBeCloseTo(dot(bestCrowdFace.vector, query), 5);
    // The other four are the four best singletons by exact score.
    const expectedOthers = others
      .map((o) => ({ id: o.identityId, score: dot(o.faces[0].vector, query) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 4)
      .map((o) => o.id);
    expect(hits.slice(1).map((h) => h.identityId)).toEqual(expectedOthers);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
    // Asking for more identities than exist returns all of them, once each.
    const all = store.search('gallery', query, 100);
    expect(all).toHaveLength(41);
    expect(new Set(all.map((h) => h.identityId)).size).toBe(41);
  });

  it('filters by minScore and breaks score ties by identityId', async () => {
    const v = vectorFor('tie', 'f', DIM);
    await store.upsert('gallery', [
      { identityId: 'zeta', mode: 'replace', faces: [{ faceId: 'a', vector: v }] },
      { identityId: 'alpha', mode: 'replace', faces: [{ faceId: 'b', vector: v }] },
      { identityId: 'far', mode: 'replace', faces: [{ faceId: 'c', vector: Float32Array.from(v, (x) => -x) }] },
    ]);
    const hits = store.search('gallery', v, 3);
    expect(hits.map((h) => h.identityId)).toEqual(['alpha', 'zeta', 'far']);
    expect(store.search('gallery', v, 3, { minScore: 0.5 }).map((h) => h.identityId)).toEqual(['alpha', 'zeta']);
    expect(store.search('gallery', v, 3, { minScore: 1.5 })).toEqual([]);
  });

  it('deletes identities, never returns them again, and gives new faces new labels (freed ones stay deleted)', async () => {
    await store.upsert('gallery', makeIdentities(0, 100, DIM, 2));
    const before = store.debugCounts('gallery');
    expect(before).toMatchObject({ indexElements: 200, nextLabel: 200, freeLabels: 0, faces: 200 });
    expect(await store.deleteIdentities('gallery', ['id-3', 'id-4', 'id-4', 'missing'])).toBe(2);
    expect(store.getIdentity('gallery', 'id-3')).toBeNull();
    expect(store.stats()[0]).toMatchObject({ identities: 98, faces: 196 });
    const hits = store.search('gallery', vectorFor('id-3', 'f0', DIM), 98);
    expect(hits).toHaveLength(98);
    expect(hits.map((h) => h.identityId)).not.toContain('id-3');
    expect(hits.map((h) => h.identityId)).not.toContain('id-4');
    // New faces get new labels: reusing a freed one is hnswlib's in-place update, which cuts nodes off the graph.
    await store.upsert('gallery', makeIdentities(100, 102, DIM, 2));
    expect(store.debugCounts('gallery')).toMatchObject({ indexElements: 204, nextLabel: 204, freeLabels: 4, faces: 200 });
    const [top] = store.search('gallery', vectorFor('id-101', 'f1', DIM), 1);
    expect(top).toMatchObject({ identityId: 'id-101', faceId: 'f1' });
    expect(top.score).toBeCloseTo(1, 5);
    expect(await store.deleteIdentities('gallery', ['id-3'])).toBe(0);
  });

  it('replace makes the faces exactly the given ones; append adds and overwrites by faceId; attributes kept when omitted', async () => {
    const a = (face: string) => vectorFor('person', face, DIM);
    await store.upsert('gallery', [{ identityId: 'person', mode: 'replace', attributes: { name: 'P' }, faces: [{ faceId: 'x', vector: a('x') }, { faceId: 'y', vector: a('y') }] }]);
    await store.upsert('gallery', makeIdentities(0, 20, DIM));
    await store.upsert('gallery', [{ identityId: 'person', mode: 'replace', faces: [{ faceId: 'y', vector: a('y2') }, { faceId: 'z', vector: a('z') }] }]);
    expect(store.getIdentity('gallery', 'person')).toEqual({ identityId: 'person', attributes: { name: 'P' }, faceIds: ['y', 'z'] });
    expect(store.stats()[0].faces).toBe(22);
    // x is gone; y now holds the y2 vector.
    expect(store.search('gallery', a('x'), 1)[0].score).toBeLessThan(0.99);
    expect(store.search('gallery', a('y2'), 1)[0]).toMatchObject({ identityId: 'person', faceId: 'y' });
    expect(store.search('gallery', a('y'), 1)[0].score).toBeLessThan(0.99);

    await store.upsert('gallery', [{ identityId: 'person', mode: 'append', attributes: { name: 'Q' }, faces: [{ faceId: 'z', vector: a('z2') }, { faceId: 'w', vector: a('w') }] }]);
    expect(store.getIdentity('gallery', 'person')).toEqual({ identityId: 'person', attributes: { name: 'Q' }, faceIds: ['y', 'z', 'w'] });
    expect(store.stats()[0]).toMatchObject({ identities: 21, faces: 23 });
    const zHit = store.search('gallery', a('z2'), 1)[0];
    expect(zHit).toMatchObject({ identityId: 'person', faceId: 'z', attributes: { name: 'Q' } });
    expect(zHit.score).toBeCloseTo(1, 5);
    expect(store.debugCounts('gallery').indexElements).toBe(store.debugCounts('gallery').nextLabel);
  });

  it('keeps its own copy of attributes: a caller mutating its object later changes nothing', async () => {
    const attributes = { name: 'before', tags: ['a'] };
    await store.upsert('gallery', [{ identityId: 'p', mode: 'replace', attributes, faces: [{ faceId: 'f', vector: vectorFor('p', 'f', DIM) }] }]);
    attributes.name = 'after';
    attributes.tags.push('b');
    expect(store.getIdentity('gallery', 'p')?.attributes).toEqual({ name: 'before', tags: ['a'] });
  });

  it('exports an identity as an upsert that recreates it (vectors as stored: normalised for cosine)', async () => {
    const raw = Float32Array.from(vectorFor('p', 'f', DIM), (x) => x * 3);
    await store.upsert('gallery', [{ identityId: 'p', mode: 'replace', attributes: { a: 1 }, faces: [{ faceId: 'f', vector: raw }] }]);
    const exported = store.exportIdentity('gallery', 'p');
    expect(exported).toMatchObject({ identityId: 'p', mode: 'replace', attributes: { a: 1 } });
    expect(exported?.faces.map((f) => f.faceId)).toEqual(['f']);
    const expected = vectorFor('p', 'f', DIM);
    exported?.faces[0].vector.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 5));
    expect(store.exportIdentity('gallery', 'missing')).toBeNull();
    expect(store.identityIds('gallery')).toEqual(['p']);
  });

  it('metric ip stores vectors as given: score is the raw dot product', async () => {
    await store.ensureCollection({ name: 'raw', dimension: 3, metric: 'ip' });
    await store.upsert('raw', [
      { identityId: 'big', mode: 'replace', faces: [{ faceId: 'f', vector: new Float32Array([2, 0, 0]) }] },
      { identityId: 'small', mode: 'replace', faces: [{ faceId: 'f', vector: new Float32Array([0.5, 0.5, 0]) }] },
    ]);
    const hits = store.search('raw', new Float32Array([1, 1, 0]), 2);
    expect(hits.map((h) => [h.identityId, Number(h.score.toFixed(5))])).toEqual([
      ['big', 2],
      ['small', 1],
    ]);
  });

  it('has recall >= 0.95 against brute force on 3000 random normalised vectors', async () => {
    const dim = 64;
    await store.ensureCollection({ name: 'recall', dimension: dim, metric: 'cosine' });
    const random = seededRandom(2024);
    const vectors = Array.from({ length: 3000 }, () => randomUnitVector(dim, random));
    for (let start = 0; start < vectors.length; start += 1000) {
      await store.upsert(
        'recall',
        vectors.slice(start, start + 1000).map((vector, i) => ({ identityId: `v${start + i}`, mode: 'replace' as const, faces: [{ faceId: 'f', vector }] })),
      );
    }
    const k = 10;
    let found = 0;
    for (let q = 0; q < 50; q++) {
      const query = randomUnitVector(dim, random);
      const truth = vectors
        .map((v, i) => ({ id: `v${i}`, score: dot(v, query) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k)
        .map((t) => t.id);
      const hits = store.search('recall', query, k);
      expect(hits).toHaveLength(k);
      const got = new Set(hits.map((h) => h.identityId));
      found += truth.filter((id) => got.has(id)).length;
    }
    const recall = found / (50 * k);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it('group commit: concurrent writers share fsyncs and all of them are durable', async () => {
    const fsyncsBefore = store.logFsyncCount;
    const writes = Array.from({ length: 20 }, (_, i) => store.upsert('gallery', makeIdentities(i * 5, i * 5 + 5, DIM)));
    const results = await Promise.all(writes);
    expect(results.every((r) => r.upserted === 5)).toBe(true);
    const fsyncs = store.logFsyncCount - fsyncsBefore;
    expect(fsyncs).toBeGreaterThanOrEqual(1);
    expect(fsyncs).toBeLessThan(20);
    expect(store.stats()[0].identities).toBe(100);
  });
});
