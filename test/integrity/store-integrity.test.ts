import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectionIndex } from '../../libs/index/src/collection-index';
import { ShardStore } from '@faceshard/index';
import { makeIdentities, makeTempDir, removeDir, vectorFor } from '../index/helpers';

/**
 * The integrity check against a real store on disk: memory that drifted from the snapshot + log
 * (changed here behind the log's back, as a bug would) is reported face by face, and the repair
 * rebuilds the collection from disk.
 */
const DIM = 16;
const COLLECTION = 'gallery';

/** The live collection, reached around the store's API: the only way to make memory drift from disk. */
function liveCollection(store: ShardStore): CollectionIndex {
  return (store as unknown as { collections: Map<string, CollectionIndex> }).collections.get(COLLECTION) as CollectionIndex;
}

describe('ShardStore.integrityCheck (real disk, real hnswlib)', () => {
  let dir: string;
  let store: ShardStore;

  beforeEach(async () => {
    dir = makeTempDir('integrity');
    store = await ShardStore.open({ dataDir: dir, graphUpkeepIdleMs: 0, snapshotEveryOps: 150 });
    await store.ensureCollection({ name: COLLECTION, dimension: DIM, metric: 'cosine' });
    await store.upsert(COLLECTION, makeIdentities(0, 120, DIM, 2));
    await store.snapshot(); // part of the truth in a snapshot, part in the log after it
    await store.upsert(COLLECTION, makeIdentities(120, 200, DIM, 2));
    await store.deleteIdentities(COLLECTION, ['id-3', 'id-150']);
  });

  afterEach(async () => {
    await store.close();
    removeDir(dir);
  });

  it('finds a consistent store consistent: every face in memory as on disk, every face found', async () => {
    const report = await store.integrityCheck();
    expect(report.ok, JSON.stringify(report.collections[0]?.issues)).toBe(true);
    expect(report.collections[0]).toMatchObject({ collection: COLLECTION, identities: 198, faces: 396, searched: 396, issueCounts: {} });
    expect(report.lsn).toBeGreaterThan(0);
  });

  it('reports memory that drifted from disk, and the repair rebuilds the collection from disk', async () => {
    const live = liveCollection(store);
    live.applyDelete(['id-7']); // gone from memory, still on disk
    live.applyIdentity({ identityId: 'ghost', mode: 'replace', faces: [{ faceId: 'f0', point: Array.from(vectorFor('ghost', 'f0', DIM)) }] }); // never logged
    const report = await store.integrityCheck({ repair: true });
    const issues = report.collections[0].issues;
    expect(issues).toContainEqual({ kind: 'missing-identity', identityId: 'id-7' });
    expect(issues).toContainEqual({ kind: 'unexpected-identity', identityId: 'ghost' });
    expect(report.collections[0].repairs).toEqual([{ action: 'rebuilt-collection', identities: 198, faces: 396, reason: expect.stringContaining('missing-identity') }]);
    expect(report.collections[0].afterRepair?.ok).toBe(true);
    expect(store.getIdentity(COLLECTION, 'ghost')).toBeNull();
    expect(store.getIdentity(COLLECTION, 'id-7')?.faceIds).toEqual(['f0', 'f1']);
    expect(store.search(COLLECTION, vectorFor('id-7', 'f1', DIM), 1)[0]).toMatchObject({ identityId: 'id-7', faceId: 'f1' });
    expect((await store.integrityCheck()).ok).toBe(true);
  });

  it('pinned faces (the graph cut them off) stay pinned through a snapshot and a restart', async () => {
    const live = liveCollection(store);
    expect(live.pinFace('id-20', 'f1')).toBe(true);
    const label = live.faceLabels().find((f) => f.identityId === 'id-20' && f.faceId === 'f1')!.label;
    await store.upsert(COLLECTION, makeIdentities(300, 301, DIM)); // something new, so the snapshot is written
    await store.snapshot();
    await store.close();
    store = await ShardStore.open({ dataDir: dir, graphUpkeepIdleMs: 0 });
    expect(liveCollection(store).isPinned(label)).toBe(true);
    expect((await store.integrityCheck()).collections[0].pinnedFaces).toBe(1);
  });

  it('reports a face whose vector in the index differs from the one the log wrote', async () => {
    const live = liveCollection(store);
    const label = live.faceLabels().find((f) => f.identityId === 'id-130' && f.faceId === 'f0')!.label;
    // Written into hnswlib directly, as an in-place update gone wrong would.
    (live as unknown as { hnsw: { addPoint(p: number[], l: number): void } }).hnsw.addPoint(Array.from(vectorFor('other', 'f0', DIM)), label);
    const report = await store.integrityCheck();
    expect(report.ok).toBe(false);
    expect(report.collections[0].issues).toContainEqual(expect.objectContaining({ kind: 'vector-mismatch', identityId: 'id-130', faceId: 'f0', label }));
  });
});
