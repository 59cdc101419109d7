import { describe, expect, it } from 'vitest';
import type { VersionedIdentity } from '@faceshard/contracts';
import { ShardStore } from '@faceshard/index';
import { makeIdentities, makeTempDir, removeDir } from '../index/helpers';

/**
 * A shard's stats say how many faces came back by unmarkDelete instead of a new insert (what a
 * leave after a join does on its receivers; GET /v1/cluster sums it over a move's receivers).
 * Real store, real hnswlib.
 */
const DIM = 16;
const COLLECTION = 'gallery';

describe('revivedFaces in a shard store\'s stats', () => {
  it('counts the faces of copies that came back to their old nodes, not those inserted as new ones', async () => {
    const dir = makeTempDir('revived-stats');
    const store = await ShardStore.open({ dataDir: dir, graphUpkeepIdleMs: 0, snapshotEveryOps: 1_000_000 });
    try {
      await store.ensureCollection({ name: COLLECTION, dimension: DIM, metric: 'cosine' });
      await store.upsert(COLLECTION, makeIdentities(0, 20, DIM, 2));
      expect(store.stats()).toEqual([expect.objectContaining({ name: COLLECTION, identities: 20, faces: 40, revivedFaces: 0 })]);
      // What a move's source gives away and, on a leave after a join, gets back.
      const ids = ['id-1', 'id-2', 'id-3'];
      const copies = ids.map((id) => store.exportVersioned(COLLECTION, id) as VersionedIdentity);
      await store.deleteIdentities(COLLECTION, ids);
      await store.purgeTombstones(COLLECTION, ids);
      await store.applyVersioned(COLLECTION, copies); // the same faces, bit for bit: 6 revived
      await store.upsert(COLLECTION, makeIdentities(20, 22, DIM, 2)); // new identities: inserted
      expect(store.stats()).toEqual([expect.objectContaining({ identities: 22, faces: 44, revivedFaces: 6 })]);
    } finally {
      await store.close();
      removeDir(dir);
    }
  });
});
