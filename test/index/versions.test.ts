import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaceshardError, type VersionedIdentity } from '@faceshard/contracts';
import { ShardStore } from '@faceshard/index';
import { encodeFrame } from '../../libs/index/src/wal-frame';
import { makeTempDir, removeDir, vectorFor } from './helpers';

/**
 * Identity versions, delete tombstones, versioned copies ("newest version wins") and collection
 * generations, on a real disk with real hnswlib: the ground rebalancing and replica catch-up
 * stand on. Each survives a reopen from the log and from a snapshot.
 */
const DIM = 8;
const spec = { name: 'gallery', dimension: DIM, metric: 'cosine' as const, generation: 10 };

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof FaceshardError ? error.code : `not a FaceshardError: ${String(error)}`;
  }
  return undefined;
}

const face = (identityId: string, faceId = 'f') => ({ faceId, vector: vectorFor(identityId, faceId, DIM) });
const live = (identityId: string, version: number, content = 'f', attributes?: Record<string, unknown>): VersionedIdentity => ({
  identityId,
  version,
  faces: [face(identityId, content)],
  ...(attributes ? { attributes } : {}),
});
const tombstone = (identityId: string, version: number): VersionedIdentity => ({ identityId, version, deleted: true });

describe('identity versions and tombstones', () => {
  let dir: string;
  let store: ShardStore;

  beforeEach(async () => {
    dir = makeTempDir('versions');
    store = await ShardStore.open({ dataDir: dir, hnsw: { initialCapacity: 16 } });
    await store.ensureCollection(spec);
  });

  afterEach(async () => {
    await store.close();
    removeDir(dir);
  });

  async function reopen(): Promise<void> {
    await store.close();
    store = await ShardStore.open({ dataDir: dir, hnsw: { initialCapacity: 16 } });
  }

  it('gives every client write a higher version than the identity had, live or deleted', async () => {
    await store.upsert('gallery', [{ identityId: 'p', mode: 'replace', faces: [face('p')] }]);
    const v1 = store.versionOf('gallery', 'p')!;
    expect(v1.deleted).toBe(false);
    expect(v1.version).toBeGreaterThanOrEqual(Date.now() * 1000 - 60_000_000); // hybrid clock: about now
    await store.upsert('gallery', [{ identityId: 'p', mode: 'append', faces: [face('p', 'g')] }]);
    const v2 = store.versionOf('gallery', 'p')!;
    expect(v2.version).toBeGreaterThan(v1.version);
    expect(store.getIdentity('gallery', 'p')?.faceIds).toEqual(['f', 'g']);

    expect(await store.deleteIdentities('gallery', ['p'])).toBe(1);
    const deleted = store.versionOf('gallery', 'p')!;
    expect(deleted).toEqual({ version: deleted.version, deleted: true });
    expect(deleted.version).toBeGreaterThan(v2.version);
    expect(store.tombstones('gallery')).toEqual([{ identityId: 'p', version: deleted.version }]);
    expect(store.exportVersioned('gallery', 'p')).toEqual({ identityId: 'p', version: deleted.version, deleted: true });

    // Enrolled again: a live identity above its tombstone, which it replaces.
    await store.upsert('gallery', [{ identityId: 'p', mode: 'replace', faces: [face('p', 'h')] }]);
    expect(store.versionOf('gallery', 'p')!.version).toBeGreaterThan(deleted.version);
    expect(store.tombstones('gallery')).toEqual([]);
    // Deleting an id that is not here leaves nothing, unless asked to (a copy may be on its way).
    expect(await store.deleteIdentities('gallery', ['ghost'])).toBe(0);
    expect(store.versionOf('gallery', 'ghost')).toBeUndefined();
    expect(await store.deleteIdentities('gallery', ['ghost'], { tombstoneAbsent: true })).toBe(0);
    expect(store.versionOf('gallery', 'ghost')?.deleted).toBe(true);
  });

  it('applies versioned copies newest-wins: an old copy neither resurrects a delete nor overwrites a newer write', async () => {
    expect(await store.applyVersioned('gallery', [live('a', 5, 'old', { n: 1 }), tombstone('b', 7), live('c', 3)])).toEqual({ applied: 3, skipped: 0 });
    expect(store.getIdentity('gallery', 'a')).toEqual({ identityId: 'a', attributes: { n: 1 }, faceIds: ['old'] });
    expect(store.versionOf('gallery', 'a')).toEqual({ version: 5, deleted: false });
    expect(store.getIdentity('gallery', 'b')).toBeNull();

    const result = await store.applyVersioned('gallery', [
      live('a', 4, 'older'), // older than held: skipped
      live('b', 6), // older than the tombstone: the delete stands
      live('a', 5, 'old', { n: 1 }), // the same copy again: nothing changes
      live('c', 9, 'new'), // newer, without attributes: replaces the whole identity
      tombstone('c', 8), // older than the copy just applied in the same chunk
    ]);
    expect(result).toEqual({ applied: 1, skipped: 4 });
    expect(store.getIdentity('gallery', 'a')?.faceIds).toEqual(['old']);
    expect(store.versionOf('gallery', 'b')).toEqual({ version: 7, deleted: true });
    expect(store.getIdentity('gallery', 'c')).toEqual({ identityId: 'c', faceIds: ['new'] });
    expect(store.versionOf('gallery', 'c')).toEqual({ version: 9, deleted: false });
    expect(store.search('gallery', vectorFor('b', 'f', DIM), 5).map((h) => h.identityId)).not.toContain('b');
    // A newer tombstone removes the identity from search.
    await store.applyVersioned('gallery', [tombstone('a', 6)]);
    expect(store.search('gallery', vectorFor('a', 'old', DIM), 5).map((h) => h.identityId)).not.toContain('a');
    // A client write after a copy is still newer than the copy (the clock observed it).
    await store.applyVersioned('gallery', [live('d', Date.now() * 1000 + 5_000_000)]);
    const copied = store.versionOf('gallery', 'd')!.version;
    await store.upsert('gallery', [{ identityId: 'd', mode: 'append', faces: [face('d', 'x')] }]);
    expect(store.versionOf('gallery', 'd')!.version).toBeGreaterThan(copied);
    // Bad entries reject the whole chunk before anything is logged.
    expect(await codeOf(store.applyVersioned('gallery', [live('e', 1), { ...live('f', 1), version: -1 }]))).toBe('VALIDATION_FAILED');
    expect(await codeOf(store.applyVersioned('gallery', [{ ...live('e', 1), identityId: 'bad id' }]))).toBe('INVALID_ID');
    expect(store.versionOf('gallery', 'e')).toBeUndefined();
  });

  it('purges tombstones only when asked', async () => {
    await store.applyVersioned('gallery', [tombstone('x', 3), tombstone('y', 4), live('z', 2)]);
    expect(await store.purgeTombstones('gallery', ['x', 'z', 'nope'])).toBe(1);
    expect(store.tombstones('gallery')).toEqual([{ identityId: 'y', version: 4 }]);
    await reopen();
    expect(store.tombstones('gallery')).toEqual([{ identityId: 'y', version: 4 }]);
  });

  it('keeps versions, tombstones and dropped generations through log replay and through a snapshot', async () => {
    await store.upsert('gallery', [{ identityId: 'p', mode: 'replace', attributes: { a: 1 }, faces: [face('p')] }]);
    await store.applyVersioned('gallery', [live('q', 42), tombstone('r', 43)]);
    await store.deleteIdentities('gallery', ['p']);
    await store.dropCollection('old-name', 7); // never existed here: the drop is remembered anyway
    const before = { p: store.versionOf('gallery', 'p'), q: store.versionOf('gallery', 'q'), r: store.versionOf('gallery', 'r') };
    const check = () => {
      expect({ p: store.versionOf('gallery', 'p'), q: store.versionOf('gallery', 'q'), r: store.versionOf('gallery', 'r') }).toEqual(before);
      expect(store.droppedGeneration('old-name')).toBe(7);
      expect(store.listCollections()).toEqual([spec]);
    };
    await reopen(); // from the log
    expect(store.recovery.replayedRecords).toBeGreaterThan(0);
    check();
    await store.snapshot();
    await reopen(); // from the snapshot alone
    expect(store.recovery.replayedRecords).toBe(0);
    check();
    // Versions handed out after a reopen stay above what was there.
    await store.upsert('gallery', [{ identityId: 'p', mode: 'replace', faces: [face('p')] }]);
    expect(store.versionOf('gallery', 'p')!.version).toBeGreaterThan(before.p!.version);
  });

  it('converges on the newest version of every identity whatever order and chunking the copies arrive in', async () => {
    const ids = ['a', 'b', 'c'];
    const copies = fc
      .array(fc.record({ id: fc.constantFrom(...ids), deleted: fc.boolean(), face: fc.constantFrom('f1', 'f2', 'f3') }), { minLength: 1, maxLength: 12 })
      .chain((events) =>
        fc
          .uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: events.length, maxLength: events.length })
          .map((versions) => events.map((e, i): VersionedIdentity => (e.deleted ? tombstone(e.id, versions[i]) : live(e.id, versions[i], e.face)))),
      );
    const expected = (all: VersionedIdentity[]) =>
      ids.map((id) => {
        const newest = all.filter((c) => c.identityId === id).sort((x, y) => y.version - x.version)[0];
        if (!newest) return undefined;
        return newest.deleted ? { version: newest.version, deleted: true } : { version: newest.version, deleted: false, faces: newest.faces.map((f) => f.faceId) };
      });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(copies.chain((all) => fc.tuple(fc.constant(all), fc.shuffledSubarray(all, { minLength: all.length }), fc.nat({ max: 4 }))), async ([all, order, cut]) => {
        const name = `conv-${run++}`;
        await store.ensureCollection({ name, dimension: DIM, metric: 'cosine' });
        // In two chunks: decisions within a chunk and across chunks follow the same rule.
        await store.applyVersioned(name, order.slice(0, cut));
        await store.applyVersioned(name, order.slice(cut));
        const held = ids.map((id) => {
          const stamp = store.versionOf(name, id);
          if (!stamp || stamp.deleted) return stamp;
          return { ...stamp, faces: store.getIdentity(name, id)!.faceIds };
        });
        expect(held).toEqual(expected(all));
      }),
      { numRuns: 40 },
    );
  });
});

describe('collection generations on a shard', () => {
  let dir: string;
  let store: ShardStore;

  beforeEach(async () => {
    dir = makeTempDir('generations');
    store = await ShardStore.open({ dataDir: dir, hnsw: { initialCapacity: 16 } });
  });

  afterEach(async () => {
    await store.close();
    removeDir(dir);
  });

  it('refuses writes for a dropped generation, even when the drop arrived before the collection ever did', async () => {
    expect(await store.dropCollection('people', 3)).toBe(false);
    expect(await codeOf(store.ensureCollection({ name: 'people', dimension: DIM, metric: 'cosine', generation: 3 }))).toBe('COLLECTION_NOT_FOUND');
    expect(await codeOf(store.ensureCollection({ name: 'people', dimension: DIM, metric: 'cosine', generation: 2 }))).toBe('COLLECTION_NOT_FOUND');
    expect(store.listCollections()).toEqual([]);
    await store.close();
    store = await ShardStore.open({ dataDir: dir });
    expect(await codeOf(store.ensureCollection({ name: 'people', dimension: DIM, metric: 'cosine', generation: 3 }))).toBe('COLLECTION_NOT_FOUND');
  });

  it('replaces a ghost of an older generation by the newer one, even with another dimension, and serves none of it', async () => {
    const old = { name: 'people', dimension: DIM, metric: 'cosine' as const, generation: 1 };
    await store.ensureCollection(old);
    await store.upsert('people', [{ identityId: 'ghost', mode: 'replace', faces: [face('ghost')] }], { generation: 1 });
    // This shard never got the drop of generation 1; generation 2 arrives with a write.
    const fresh = { name: 'people', dimension: DIM * 2, metric: 'ip' as const, generation: 2 };
    await store.ensureCollection(fresh);
    expect(store.listCollections()).toEqual([fresh]);
    expect(store.getIdentity('people', 'ghost')).toBeNull();
    // Writes of the old generation now fail instead of landing in the new collection.
    expect(await codeOf(store.upsert('people', [{ identityId: 'late', mode: 'replace', faces: [face('late')] }], { generation: 1 }))).toBe('COLLECTION_NOT_FOUND');
    expect(await codeOf(store.deleteIdentities('people', ['x'], { generation: 1 }))).toBe('COLLECTION_NOT_FOUND');
    expect(await codeOf(store.ensureCollection(old))).toBe('COLLECTION_NOT_FOUND');
    expect(store.hasCollection('people', 2)).toBe(true);
    expect(store.hasCollection('people', 1)).toBe(false);
    // A late drop of generation 1 leaves generation 2 alone.
    expect(await store.dropCollection('people', 1)).toBe(false);
    expect(store.listCollections()).toEqual([fresh]);
    expect(await store.dropCollection('people', 2)).toBe(true);
    expect(store.droppedGeneration('people')).toBe(2);
  });

  it('keeps working for collections and callers from before generations', async () => {
    const legacy = { name: 'legacy', dimension: DIM, metric: 'cosine' as const };
    await store.ensureCollection(legacy);
    await store.upsert('legacy', [{ identityId: 'p', mode: 'replace', faces: [face('p')] }]);
    expect(await store.dropCollection('legacy')).toBe(true);
    await store.ensureCollection(legacy);
    expect(store.listCollections()).toEqual([legacy]);
  });
});

describe('data written before versions and generations', () => {
  it('opens a log of old records: identities at version 0, deletes without tombstones, new writes versioned', async () => {
    const dir = makeTempDir('old-log');
    try {
      const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
      const vector = vectorFor('p', 'f', DIM);
      const bytes = new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
      const records = [
        { l: 1, t: 'c', n: 'g', d: DIM, x: 'cosine' },
        { l: 2, t: 'u', n: 'g', ids: [{ i: 'p', m: 'replace', f: [['f', bytes]] }, { i: 'q', m: 'replace', f: [['f', bytes]] }] },
        { l: 3, t: 'd', n: 'g', ids: ['q'] },
      ];
      mkdirSync(join(dir, 'wal'), { recursive: true });
      writeFileSync(join(dir, 'wal', `${'1'.padStart(20, '0')}.wal`), Buffer.concat(records.map((r) => encodeFrame(packr.pack(r)))));
      const store = await ShardStore.open({ dataDir: dir });
      try {
        expect(store.listCollections()).toEqual([{ name: 'g', dimension: DIM, metric: 'cosine' }]);
        expect(store.versionOf('g', 'p')).toEqual({ version: 0, deleted: false });
        expect(store.versionOf('g', 'q')).toBeUndefined();
        await store.upsert('g', [{ identityId: 'p', mode: 'append', faces: [face('p', 'g')] }]);
        expect(store.versionOf('g', 'p')!.version).toBeGreaterThan(0);
        // An old-format copy (version 0) of a newer identity changes nothing.
        expect(await store.applyVersioned('g', [live('p', 0)])).toEqual({ applied: 0, skipped: 1 });
      } finally {
        await store.close();
      }
    } finally {
      removeDir(dir);
    }
  });
});
