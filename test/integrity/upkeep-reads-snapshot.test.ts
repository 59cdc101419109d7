import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nodeStoreFs, ShardStore, type StoreFs } from '@faceshard/index';
import { CollectionIndex } from '../../libs/index/src/collection-index';
import { makeTempDir, removeDir, vectorFor } from '../index/helpers';

/**
 * Issue 6 item 9: the graph upkeep (the check for faces the HNSW graph cut off) used to write its
 * own copy of the index with hnswlib's writeIndex, the collection frozen meanwhile, which held
 * writers' log syncs and the event loop as long as a snapshot's index write (up to 265 ms at 1M).
 * It now reads the newest snapshot's index file. These tests hold that read (through the store's
 * file system) and look at what the store does meanwhile: no timing involved.
 */
const DIM = 16;
const COLLECTION = 'faces';
const HNSW = { M: 8, efConstruction: 32, initialCapacity: 64 };

const identity = (identityId: string) => ({ identityId, mode: 'replace' as const, faces: [{ faceId: 'f0', vector: vectorFor(identityId, 'f0', DIM) }] });

/** The real file system; reads of a snapshot's index file (snapshots/<lsn>/c0.hnsw) wait for release(); native index writes are counted. */
function gatedSnapshotReads() {
  let release: () => void = () => undefined;
  let reached: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const reading = new Promise<void>((resolve) => (reached = resolve));
  const nativeWrites: string[] = [];
  const snapshotIndex = /snapshots\/\d{20}\/c\d+\.hnsw$/;
  const fs: StoreFs = {
    ...nodeStoreFs,
    async open(path, flags) {
      const file = await nodeStoreFs.open(path, flags);
      if (flags !== 'r' || !snapshotIndex.test(path)) return file;
      return {
        get fd() {
          return file.fd;
        },
        write: (data, offset, length, position) => file.write(data, offset, length, position),
        read: async (buffer, offset, length, position) => {
          reached();
          await gate;
          return file.read(buffer, offset, length, position);
        },
        datasync: () => file.datasync(),
        truncate: (length) => file.truncate(length),
        size: () => file.size(),
        close: () => file.close(),
      };
    },
    writeExternal: (path, write) => {
      nativeWrites.push(path);
      return nodeStoreFs.writeExternal(path, write);
    },
  };
  return { fs, reading, release: () => release(), nativeWrites };
}

/** Rejects if the promise does not settle in time. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen in ${ms} ms`)), ms))]);
}

describe('the graph-upkeep check reads the newest snapshot instead of writing (and freezing) the live index', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('upkeep-snapshot');
  });
  afterEach(() => {
    vi.restoreAllMocks();
    removeDir(dir);
  });

  it('with a current snapshot it writes no index at all, and a write during the check goes straight into the index (nothing frozen)', async () => {
    const gated = gatedSnapshotReads();
    const store = await ShardStore.open({ dataDir: dir, hnsw: HNSW, graphUpkeepIdleMs: 0, fs: gated.fs });
    try {
      await store.ensureCollection({ name: COLLECTION, dimension: DIM, metric: 'cosine' });
      await store.upsert(COLLECTION, Array.from({ length: 300 }, (_, i) => identity(`p${i}`)));
      await store.snapshot();
      const writeIndex = vi.spyOn(CollectionIndex.prototype, 'writeIndex');
      const snapshotLsn = store.lastSnapshotLsn;
      const nativeWritesBefore = gated.nativeWrites.length; // the snapshot's own

      const check = store.pinUnreachable(COLLECTION);
      await within(10_000, gated.reading, 'reading the snapshot index file');
      // The check is under way (its read held): a write now is applied to the index itself, not
      // held beside a frozen collection, and acknowledged.
      await within(5000, store.upsert(COLLECTION, [identity('during')]), 'a write during the check');
      expect(store.debugCounts(COLLECTION).faces).toBe(301);
      expect(store.search(COLLECTION, vectorFor('during', 'f0', DIM), 1)[0].identityId).toBe('during');
      gated.release();
      expect(await check).toBe(0); // a graph of 300 faces built at efConstruction 32: nothing cut off

      expect(writeIndex).not.toHaveBeenCalled();
      expect(gated.nativeWrites).toHaveLength(nativeWritesBefore);
      expect(store.lastSnapshotLsn).toBe(snapshotLsn); // and no snapshot of its own either
    } finally {
      gated.release();
      await store.close();
    }
  });

  it('with changes logged since the newest snapshot it takes a snapshot first (the one index write, paced to disk) and reads that', async () => {
    const gated = gatedSnapshotReads();
    gated.release();
    const store = await ShardStore.open({ dataDir: dir, hnsw: HNSW, graphUpkeepIdleMs: 0, fs: gated.fs });
    try {
      await store.ensureCollection({ name: COLLECTION, dimension: DIM, metric: 'cosine' });
      await store.upsert(COLLECTION, Array.from({ length: 100 }, (_, i) => identity(`p${i}`)));
      const writeIndex = vi.spyOn(CollectionIndex.prototype, 'writeIndex');
      expect(store.lastSnapshotLsn).toBe(0);
      await store.pinUnreachable(COLLECTION);
      expect(store.lastSnapshotLsn).toBeGreaterThan(0);
      expect(writeIndex).toHaveBeenCalledTimes(1);
      expect(gated.nativeWrites).toHaveLength(1);
      expect(gated.nativeWrites[0]).toMatch(/snapshots\/tmp-\d{20}\/c0\.hnsw\.scratch$/); // the snapshot's own scratch file
      // Nothing new since: the next check writes nothing.
      await store.pinUnreachable(COLLECTION);
      expect(writeIndex).toHaveBeenCalledTimes(1);
    } finally {
      await store.close();
    }
  });
});
