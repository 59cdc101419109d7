import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShardStore } from '@faceshard/index';
import { indexFileSize, newestSnapshotIndexFiles } from '../../bench/cluster/memory';
import { makeIdentities, makeTempDir, removeDir } from '../index/helpers';

/**
 * The shards' index bytes per identity of bench:cluster come from their newest snapshot: found
 * where a shard process keeps its store (<DATA_DIR>/store, as start-shard-node.ts opens it), on
 * a real store on disk. (The 1M run's figure came out empty while it looked in <DATA_DIR>/snapshots.)
 */
describe('newestSnapshotIndexFiles on a real shard store', () => {
  let dataDir: string;
  let store: ShardStore | null = null;

  beforeEach(() => {
    dataDir = makeTempDir('bench-memory');
  });

  afterEach(async () => {
    await store?.close();
    store = null;
    removeDir(dataDir);
  });

  it('finds nothing before the first snapshot, then the newest snapshot index with every element it held', async () => {
    store = await ShardStore.open({ dataDir: join(dataDir, 'store'), graphUpkeepIdleMs: 0 });
    await store.ensureCollection({ name: 'gallery', dimension: 16, metric: 'cosine' });
    await store.upsert('gallery', makeIdentities(0, 100, 16));
    expect(newestSnapshotIndexFiles(dataDir)).toEqual([]);

    await store.snapshot();
    await store.upsert('gallery', makeIdentities(100, 250, 16));
    await store.snapshot();
    const files = newestSnapshotIndexFiles(dataDir);
    expect(files).toHaveLength(1);
    const size = indexFileSize(files[0]!);
    expect(size.elements).toBe(250);
    expect(size.bytesPerElement).toBeGreaterThan(16 * 4); // at least the floats
  });

  it('accepts the store folder itself', async () => {
    store = await ShardStore.open({ dataDir, graphUpkeepIdleMs: 0 });
    await store.ensureCollection({ name: 'gallery', dimension: 16, metric: 'cosine' });
    await store.upsert('gallery', makeIdentities(0, 40, 16));
    await store.snapshot();
    expect(newestSnapshotIndexFiles(dataDir).map((f) => indexFileSize(f).elements)).toEqual([40]);
  });
});
