import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VersionedIdentity } from '@faceshard/contracts';
import { ShardStore } from '@faceshard/index';
import { CollectionIndex, DEFAULT_HNSW } from '../../libs/index/src/collection-index';
import { makeIdentities, makeTempDir, removeDir, vectorFor } from './helpers';

/**
 * A face that comes back with the very vector it had (scale-in after scale-out sends a leaving
 * member's identities back to the members that held them; a delete followed by the same
 * enrolment) revives its own deleted hnswlib node instead of becoming a new one. Real disk, real
 * hnswlib: the decision must come out the same after a reopen from the log alone and from a
 * snapshot, and the integrity check (which replays the log into plain vector tables) must agree.
 */
const DIM = 16;
const COLLECTION = 'gallery';
const spec = { name: COLLECTION, dimension: DIM, metric: 'cosine' as const };

function liveCollection(store: ShardStore): CollectionIndex {
  return (store as unknown as { collections: Map<string, CollectionIndex> }).collections.get(COLLECTION) as CollectionIndex;
}

const labelsOf = (store: ShardStore) => liveCollection(store).faceLabels();

describe('a removed face returning with the same vector revives its node (real store)', () => {
  let dir: string;
  let store: ShardStore;

  // No upkeep and no snapshot but the ones a test takes: the reopen replays exactly what it says.
  const openStore = () => ShardStore.open({ dataDir: dir, graphUpkeepIdleMs: 0, snapshotEveryOps: 1_000_000 });

  beforeEach(async () => {
    dir = makeTempDir('revive');
    store = await openStore();
    await store.ensureCollection(spec);
    await store.upsert(COLLECTION, makeIdentities(0, 60, DIM, 2)); // labels 0..119
  });

  afterEach(async () => {
    await store.close();
    removeDir(dir);
  });

  async function reopen(): Promise<void> {
    await store.close();
    store = await openStore();
  }

  /** What a move's source does: copies out, then (after the commit) deletes and purges the tombstones. */
  async function giveAway(ids: string[]): Promise<VersionedIdentity[]> {
    const copies = ids.map((id) => store.exportVersioned(COLLECTION, id) as VersionedIdentity);
    expect(await store.deleteIdentities(COLLECTION, ids)).toBe(ids.length);
    await store.purgeTombstones(COLLECTION, ids);
    return copies;
  }

  function expectFound(ids: string[]): void {
    for (const id of ids) {
      for (const faceId of ['f0', 'f1']) {
        const [top] = store.search(COLLECTION, vectorFor(id, faceId, DIM), 1);
        expect(top, `${id}/${faceId}`).toMatchObject({ identityId: id, faceId });
        expect(top.score).toBeCloseTo(1, 5);
      }
    }
  }

  it('a leave after a join: the copies coming back take no new label, also after reopening from the log and from a snapshot', async () => {
    const ids = Array.from({ length: 30 }, (_, n) => `id-${n}`);
    const labelsBefore = labelsOf(store);
    const copies = await giveAway(ids);
    expect(store.debugCounts(COLLECTION)).toMatchObject({ nextLabel: 120, freeLabels: 60, faces: 60 });

    expect(await store.applyVersioned(COLLECTION, copies)).toEqual({ applied: 30, skipped: 0 });
    expect(store.debugCounts(COLLECTION)).toEqual({ indexElements: 120, nextLabel: 120, freeLabels: 0, faces: 120 });
    expect(labelsOf(store)).toEqual(expect.arrayContaining(labelsBefore));
    expect(ids.map((id) => store.exportVersioned(COLLECTION, id))).toEqual(copies);
    expectFound(ids);

    await reopen(); // replayed from the log alone: the same decisions, the same labels
    expect(store.debugCounts(COLLECTION)).toEqual({ indexElements: 120, nextLabel: 120, freeLabels: 0, faces: 120 });
    expect(labelsOf(store)).toEqual(expect.arrayContaining(labelsBefore));

    // Given away again; the snapshot must carry which deleted node was whose.
    const again = await giveAway(ids);
    await store.snapshot();
    await reopen();
    expect(await store.applyVersioned(COLLECTION, again)).toEqual({ applied: 30, skipped: 0 });
    expect(store.debugCounts(COLLECTION)).toEqual({ indexElements: 120, nextLabel: 120, freeLabels: 0, faces: 120 });
    const live = labelsOf(store);
    expectFound(ids);

    await reopen(); // snapshot + the log after it
    expect(labelsOf(store)).toEqual(live);
    const report = await store.integrityCheck();
    expect(report.ok, JSON.stringify(report.collections[0]?.issues)).toBe(true);
  });

  it('a face coming back with another vector, or another face id, is a new node; a delete and the same enrolment revive', async () => {
    const [copy] = await giveAway(['id-1']);
    if (copy === undefined || copy.deleted) throw new Error('id-1 was given away as a live identity');
    const moved: VersionedIdentity = {
      ...copy,
      faces: [
        { faceId: 'f0', vector: vectorFor('id-1', 'other', DIM) }, // same face, another vector
        { faceId: 'g1', vector: vectorFor('id-1', 'f1', DIM) }, // the f1 vector under another face id
      ],
    };
    await store.applyVersioned(COLLECTION, [moved]);
    expect(store.debugCounts(COLLECTION)).toEqual({ indexElements: 122, nextLabel: 122, freeLabels: 2, faces: 120 });

    // A client delete, then the same faces enrolled again: revived, whatever the version.
    const identity = makeIdentities(5, 6, DIM, 2);
    await store.deleteIdentities(COLLECTION, ['id-5']);
    await store.upsert(COLLECTION, identity);
    expect(store.debugCounts(COLLECTION)).toEqual({ indexElements: 122, nextLabel: 122, freeLabels: 2, faces: 120 });
    expectFound(['id-5']);
    await reopen();
    expect(store.debugCounts(COLLECTION)).toEqual({ indexElements: 122, nextLabel: 122, freeLabels: 2, faces: 120 });
    const report = await store.integrityCheck();
    expect(report.ok, JSON.stringify(report.collections[0]?.issues)).toBe(true);
  });
});

describe('CollectionIndex: a revived node', () => {
  it('is pinned again when its face was pinned (cut off from the graph) as it was removed', () => {
    const collection = CollectionIndex.create(spec, { ...DEFAULT_HNSW, initialCapacity: 16 });
    const upserts = makeIdentities(0, 8, DIM, 1);
    const prepared = collection.prepareUpsert(upserts);
    prepared.forEach((identity, n) => collection.applyIdentity(identity, n + 1));
    expect(collection.pinFace('id-3', 'f0')).toBe(true);
    const label = collection.faceLabels().find((face) => face.identityId === 'id-3')?.label as number;

    collection.applyDelete(['id-3']);
    expect(collection.isPinned(label)).toBe(false);
    collection.applyIdentity(collection.prepareUpsert([upserts[3]])[0], 20);
    expect(collection.faceLabels().find((face) => face.identityId === 'id-3')?.label).toBe(label);
    expect(collection.isPinned(label)).toBe(true);
    expect(collection.revivedFaces).toBe(1);

    // And the snapshot metadata carries it: a restored copy revives the same way.
    collection.applyDelete(['id-3']);
    const meta = collection.meta();
    expect(meta.freedFaces).toEqual([[label, 'id-3', 'f0', 1]]);
  });
});
