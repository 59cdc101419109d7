import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShardStore, type SnapshotPhase } from '@faceshard/index';
import { makeTempDir, removeDir, vectorFor } from './helpers';

/**
 * Issue 6 item 9: a snapshot must not stall writers. The snapshot is held at a phase (its test
 * hook does not return) while writes of every kind run: each must be acknowledged and visible at
 * once, and everything must hold after the snapshot, after a reopen and by the integrity check.
 */
const DIM = 16;
const COLLECTION = 'held';
const HNSW = { M: 8, efConstruction: 32, initialCapacity: 64 };

function identity(identityId: string, owner = identityId) {
  return { identityId, mode: 'replace' as const, attributes: { owner }, faces: ['f0', 'f1'].map((faceId) => ({ faceId, vector: vectorFor(identityId, faceId, DIM) })) };
}

/** Rejects if the promise does not settle in time (on a store that makes writers wait for a snapshot, they never do while it is held). */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} waited for the held snapshot`)), ms))]);
}

describe('writers go on while a snapshot runs (its collections are frozen, changes held beside them)', () => {
  let dir: string;

  beforeEach(() => {
    dir = makeTempDir('snapshot-writers');
  });

  afterEach(() => {
    removeDir(dir);
  });

  /** A store whose next snapshot stops at `phase` until release() is called. */
  async function storeHeldAt(phase: SnapshotPhase) {
    let release: () => void = () => undefined;
    let reached: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const atPhase = new Promise<void>((resolve) => (reached = resolve));
    let armed = true;
    const store = await ShardStore.open({
      dataDir: dir,
      hnsw: HNSW,
      graphUpkeepIdleMs: 0,
      testHooks: {
        onSnapshotPhase: async (p) => {
          if (p !== phase || !armed) return;
          armed = false;
          reached();
          await held;
        },
      },
    });
    return { store, release, atPhase };
  }

  it('acknowledges upserts, deletes, versioned copies and purges during a held snapshot, and every read and search sees them at once', async () => {
    const { store, release, atPhase } = await storeHeldAt('rotated');
    await store.ensureCollection({ name: COLLECTION, dimension: DIM, metric: 'cosine' });
    await store.upsert(COLLECTION, ['a', 'b', 'c', 'd'].map((id) => identity(id)));
    await store.deleteIdentities(COLLECTION, ['d']);
    const snapshot = store.snapshot();
    await atPhase;

    await within(5000, store.upsert(COLLECTION, [identity('new-1'), identity('new-2'), identity('a', 'changed')]), 'an upsert');
    await within(5000, store.deleteIdentities(COLLECTION, ['b', 'new-2']), 'a delete');
    const versionOfC = store.versionOf(COLLECTION, 'c')?.version ?? 0;
    expect(await within(5000, store.applyVersioned(COLLECTION, [{ identityId: 'c', version: versionOfC + 100, deleted: true }, { ...identity('copied'), version: 3 }]), 'a versioned copy')).toEqual({ applied: 2, skipped: 0 });
    expect(await within(5000, store.purgeTombstones(COLLECTION, ['d']), 'a purge')).toBe(1);

    const expectCurrent = (s: ShardStore, when: string): void => {
      expect(s.getIdentity(COLLECTION, 'a'), when).toMatchObject({ attributes: { owner: 'changed' } });
      expect(s.getIdentity(COLLECTION, 'b'), when).toBeNull();
      expect(s.getIdentity(COLLECTION, 'c'), when).toBeNull();
      expect(s.versionOf(COLLECTION, 'c'), when).toEqual({ version: versionOfC + 100, deleted: true });
      expect(s.versionOf(COLLECTION, 'd'), when).toBeUndefined();
      expect(s.identityIds(COLLECTION).sort(), when).toEqual(['a', 'copied', 'new-1']);
      expect(s.stats()[0], when).toMatchObject({ identities: 3, faces: 6 });
      expect(s.tombstones(COLLECTION).map((t) => t.identityId).sort(), when).toEqual(['b', 'c', 'new-2']);
      expect(s.search(COLLECTION, vectorFor('new-1', 'f1', DIM), 1)[0], when).toMatchObject({ identityId: 'new-1', faceId: 'f1' });
      expect(s.search(COLLECTION, vectorFor('copied', 'f0', DIM), 1)[0], when).toMatchObject({ identityId: 'copied', faceId: 'f0' });
      const wide = s.search(COLLECTION, vectorFor('b', 'f0', DIM), 10).map((hit) => hit.identityId);
      expect(wide.sort(), when).toEqual(['a', 'copied', 'new-1']);
    };
    expectCurrent(store, 'while the snapshot is held');
    // The snapshot itself holds the state at its start: nothing of the above went into the index yet.
    expect(store.debugCounts(COLLECTION).faces).toBe(6);

    release();
    await snapshot;
    expectCurrent(store, 'after the snapshot');
    expect(store.debugCounts(COLLECTION)).toMatchObject({ faces: 6 });
    expect((await store.integrityCheck()).ok).toBe(true);
    await store.close();

    const reopened = await ShardStore.open({ dataDir: dir, hnsw: HNSW, graphUpkeepIdleMs: 0 });
    try {
      expect(reopened.recovery.snapshotLsn).toBeGreaterThan(0);
      expect(reopened.recovery.replayedRecords).toBe(4); // the four writes made while it was held
      expectCurrent(reopened, 'after reopening (snapshot + the log after it)');
      expect((await reopened.integrityCheck()).ok).toBe(true);
    } finally {
      await reopened.close();
    }
  });

  it('holds at most maxHeldChanges beside a frozen collection: the next write waits for the thaw, then goes through', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached: () => void = () => undefined;
    const atPhase = new Promise<void>((resolve) => (reached = resolve));
    const store = await ShardStore.open({
      dataDir: dir,
      hnsw: HNSW,
      graphUpkeepIdleMs: 0,
      maxHeldChanges: 10,
      testHooks: {
        onSnapshotPhase: async (phase) => {
          if (phase !== 'rotated') return;
          reached();
          await held;
        },
      },
    });
    try {
      await store.ensureCollection({ name: COLLECTION, dimension: DIM, metric: 'cosine' });
      await store.upsert(COLLECTION, [identity('before')]);
      const snapshot = store.snapshot();
      await atPhase;
      await within(5000, store.upsert(COLLECTION, Array.from({ length: 10 }, (_, i) => identity(`held-${i}`))), 'writes up to the limit');
      let done = false;
      const over = store.upsert(COLLECTION, [identity('over')]).then(() => (done = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(done).toBe(false); // waits: 10 changes held already
      release();
      await snapshot;
      await within(5000, over, 'the write over the limit, once the thaw began');
      expect(store.identityIds(COLLECTION).sort()).toEqual(['before', 'over', ...Array.from({ length: 10 }, (_, i) => `held-${i}`)].sort());
      expect(store.debugCounts(COLLECTION).faces).toBe(24);
    } finally {
      await store.close();
    }
  });

  it('writes go on while the integrity check and the graph upkeep read the index; both still see a consistent index', async () => {
    const store = await ShardStore.open({ dataDir: dir, hnsw: HNSW, graphUpkeepIdleMs: 0 });
    try {
      await store.ensureCollection({ name: COLLECTION, dimension: DIM, metric: 'cosine' });
      for (let b = 0; b < 10; b++) await store.upsert(COLLECTION, Array.from({ length: 50 }, (_, i) => identity(`p-${b}-${i}`)));
      await store.snapshot(); // the graph upkeep reads the newest snapshot: without one it reads nothing
      const check = store.integrityCheck();
      const pin = store.pinUnreachable(COLLECTION);
      const written: string[] = [];
      for (let i = 0; i < 20; i++) {
        await store.upsert(COLLECTION, [identity(`during-${i}`)]);
        written.push(`during-${i}`);
      }
      await store.deleteIdentities(COLLECTION, ['p-0-0']);
      const report = await check;
      expect(report.ok, JSON.stringify(report.collections.map((c) => c.issues))).toBe(true);
      // As of the moment it took the lock (a few of the writes above may have come first).
      expect(report.collections[0].identities).toBeGreaterThanOrEqual(500);
      expect(report.collections[0].identities).toBeLessThanOrEqual(520);
      await pin;
      for (const id of written) expect(store.search(COLLECTION, vectorFor(id, 'f0', DIM), 1)[0].identityId).toBe(id);
      expect(store.getIdentity(COLLECTION, 'p-0-0')).toBeNull();
      expect(store.stats()[0]).toMatchObject({ identities: 519, faces: 1038 });
      expect((await store.integrityCheck()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });
});
