import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nodeStoreFs, ShardStore, type StoreFs } from '@faceshard/index';
import { CollectionIndex } from '../../libs/index/src/collection-index';
import { makeTempDir, removeDir, vectorFor } from '../index/helpers';

/**
 * Issue 6 item 9: the graph upkeep (the check for faces the HNSW graph cut off) used to write its
 * own copy of the index with hnswlib's writeIndex, the collection frozen meanwhile, which held
 * writers' log syncs and the event loop as long as a snapshot's index write (up to 265 ms at 1M).
 * It now reads the newest snapshot's index file, and takes no snapshot for it either (taking one
 * when something was logged since the newest was ~11 s of an 18-20 s check at 1M): faces logged
 * after the newest snapshot are checked after the store's next regular one. These tests hold that
 * read (through the store's file system), list which snapshot each check read and look at what the
 * store does meanwhile: no timing involved.
 */
const DIM = 16;
const COLLECTION = 'faces';
const HNSW = { M: 8, efConstruction: 32, initialCapacity: 64 };

const identity = (identityId: string) => ({ identityId, mode: 'replace' as const, faces: [{ faceId: 'f0', vector: vectorFor(identityId, 'f0', DIM) }] });

/** The real file system; reads of a snapshot's index file (snapshots/<lsn>/c0.hnsw) are listed and wait for release(); native index writes are counted. */
function gatedSnapshotReads() {
  let release: () => void = () => undefined;
  let reached: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const reading = new Promise<void>((resolve) => (reached = resolve));
  const nativeWrites: string[] = [];
  /** Snapshot index files opened for reading (snapshots/<lsn>/c<n>.hnsw), in order. */
  const indexReads: string[] = [];
  const snapshotIndex = /snapshots\/\d{20}\/c\d+\.hnsw$/;
  const fs: StoreFs = {
    ...nodeStoreFs,
    async open(path, flags) {
      const file = await nodeStoreFs.open(path, flags);
      if (flags !== 'r' || !snapshotIndex.test(path)) return file;
      indexReads.push(path.slice(path.lastIndexOf('snapshots/')));
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
  return { fs, reading, release: () => release(), nativeWrites, indexReads };
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

  it('a check after writes takes no snapshot of its own: it reads the newest one, writing no index', async () => {
    const { gated, store } = await openWithFaces(dir, 0);
    try {
      // No snapshot yet: nothing to read, and none taken.
      expect(await store.pinUnreachable(COLLECTION)).toBe(0);
      expect(store.lastSnapshotLsn).toBe(0);
      expect(gated.indexReads).toEqual([]);
      await store.snapshot();
      const snapshotLsn = store.lastSnapshotLsn;
      await store.upsert(COLLECTION, Array.from({ length: 50 }, (_, i) => identity(`q${i}`)));
      const writeIndex = vi.spyOn(CollectionIndex.prototype, 'writeIndex');
      const nativeWrites = gated.nativeWrites.length;
      await store.pinUnreachable(COLLECTION);
      expect(store.lastSnapshotLsn).toBe(snapshotLsn);
      expect(writeIndex).not.toHaveBeenCalled();
      expect(gated.nativeWrites).toHaveLength(nativeWrites);
      expect(gated.indexReads).toEqual([snapshotIndexOf(snapshotLsn)]);
    } finally {
      await store.close();
    }
  });

  it('the background upkeep checks faces written after the newest snapshot once a regular snapshot holds them, and takes none itself', async () => {
    const { gated, store } = await openWithFaces(dir, 20);
    try {
      await store.snapshot();
      const first = store.lastSnapshotLsn;
      await settle(store);
      expect(gated.indexReads).toEqual([snapshotIndexOf(first)]); // writes paused: the snapshot holding them is checked
      // Faces written after that snapshot: writes pause, yet no check (it would read the same
      // graph) and, above all, no snapshot taken for one.
      await store.upsert(COLLECTION, Array.from({ length: 50 }, (_, i) => identity(`q${i}`)));
      await settle(store);
      expect(store.lastSnapshotLsn).toBe(first);
      expect(gated.indexReads).toEqual([snapshotIndexOf(first)]);
      // The store's next regular snapshot holds them: the check after it reads that one.
      await store.snapshot();
      const second = store.lastSnapshotLsn;
      expect(second).toBeGreaterThan(first);
      await settle(store);
      expect(gated.indexReads).toEqual([snapshotIndexOf(first), snapshotIndexOf(second)]);
      expect(store.lastSnapshotLsn).toBe(second);
    } finally {
      await store.close();
    }
  });
});

describe('when writes stop, the last faces written are checked too', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('upkeep-idle-snapshot');
  });
  afterEach(() => removeDir(dir));

  it('once writes have paused for graphUpkeepIdleSnapshotMs the store takes a snapshot, and the check reads it', async () => {
    // 100 faces, far fewer than a regular snapshot's 50,000 changes: without an idle snapshot no
    // check would ever read a graph holding them.
    const { gated, store } = await openWithFaces(dir, 20, 150);
    try {
      await waitFor(() => gated.indexReads.length > 0, 10_000, 'a check after the idle snapshot');
      expect(store.lastSnapshotLsn).toBeGreaterThan(0);
      await store.graphUpkeepIdle();
      expect(gated.indexReads).toEqual([snapshotIndexOf(store.lastSnapshotLsn)]);
      // Written after it, then a pause: the next idle snapshot is paced (at least 150 ms after the
      // last one ended) but comes, and the check reads it too.
      const first = store.lastSnapshotLsn;
      await store.upsert(COLLECTION, [identity('late')]);
      await waitFor(() => gated.indexReads.length > 1, 10_000, 'a check after the second idle snapshot');
      expect(store.lastSnapshotLsn).toBeGreaterThan(first);
      await store.graphUpkeepIdle();
      expect(gated.indexReads).toEqual([snapshotIndexOf(first), snapshotIndexOf(store.lastSnapshotLsn)]);
    } finally {
      await store.close();
    }
  });

  it('takes no idle snapshot when nothing was written since the newest snapshot', async () => {
    const { gated, store } = await openWithFaces(dir, 20, 50);
    try {
      await waitFor(() => gated.indexReads.length > 0, 10_000, 'the first check');
      const lsn = store.lastSnapshotLsn;
      await new Promise((resolve) => setTimeout(resolve, 400));
      await store.graphUpkeepIdle();
      expect(store.lastSnapshotLsn).toBe(lsn);
      expect(gated.indexReads).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A store on the gated file system (reads not held) with 100 faces written, none snapshotted yet. */
async function openWithFaces(dir: string, graphUpkeepIdleMs: number, graphUpkeepIdleSnapshotMs?: number) {
  const gated = gatedSnapshotReads();
  gated.release();
  const store = await ShardStore.open({ dataDir: dir, hnsw: HNSW, graphUpkeepIdleMs, graphUpkeepIdleSnapshotMs, fs: gated.fs });
  await store.ensureCollection({ name: COLLECTION, dimension: DIM, metric: 'cosine' });
  await store.upsert(COLLECTION, Array.from({ length: 100 }, (_, i) => identity(`p${i}`)));
  return { gated, store };
}

/** Lets an idle timer of the upkeep (20 ms) fire, then waits for the checks it started. */
async function settle(store: ShardStore): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  await store.graphUpkeepIdle();
}

function snapshotIndexOf(lsn: number): string {
  return `snapshots/${String(lsn).padStart(20, '0')}/c0.hnsw`;
}
