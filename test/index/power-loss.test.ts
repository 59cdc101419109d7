import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShardStore } from '@faceshard/index';
import { FaultInjectingFs } from '../../libs/index/src/testing/fault-injecting-fs';
import { makeTempDir, removeDir, vectorFor } from './helpers';

/**
 * Power cuts, simulated by FaultInjectingFs: everything not fsynced is lost, including folder
 * entries (new files, renames, deletions) whose folder was not fsynced. Unlike kill -9, which keeps
 * the page cache, these tests fail when any fsync the store relies on is missing.
 */
const DIM = 8;
const COLLECTION = 'power';
const spec = { name: COLLECTION, dimension: DIM, metric: 'cosine' as const };
const HNSW = { M: 8, efConstruction: 32, initialCapacity: 64 };

interface Outcome {
  collectionAcked: boolean;
  sent: Set<string>;
  acked: Set<string>;
  deleteSent: Set<string>;
  deleted: Set<string>;
}

function identity(identityId: string) {
  return { identityId, mode: 'replace' as const, attributes: { owner: identityId }, faces: ['f0', 'f1'].map((faceId) => ({ faceId, vector: vectorFor(identityId, faceId, DIM) })) };
}

/**
 * A store's life: two concurrent writers, deletes, background snapshots (every 12 changes), an
 * explicit snapshot, more writes, close. Records what was acknowledged; a power cut ends it early.
 */
async function workload(fs: FaultInjectingFs, dir: string): Promise<Outcome> {
  const outcome: Outcome = { collectionAcked: false, sent: new Set(), acked: new Set(), deleteSent: new Set(), deleted: new Set() };
  const writer = async (store: ShardStore, w: number, batches: number): Promise<void> => {
    const mine: string[] = [];
    for (let b = 0; b < batches; b++) {
      const ids = [0, 1, 2].map((i) => `w${w}-${b}-${i}`);
      ids.forEach((id) => outcome.sent.add(id));
      await store.upsert(COLLECTION, ids.map(identity));
      ids.forEach((id) => outcome.acked.add(id));
      mine.push(...ids);
      if (b % 3 === 2) {
        const victim = mine.shift() as string;
        outcome.deleteSent.add(victim);
        await store.deleteIdentities(COLLECTION, [victim]);
        outcome.deleted.add(victim);
      }
    }
  };
  try {
    // After the cut the store keeps trying to reload from disk (every call fails): quiet, expected.
    const store = await ShardStore.open({ dataDir: dir, fs, snapshotEveryOps: 12, hnsw: HNSW, log: () => undefined });
    await store.ensureCollection(spec);
    outcome.collectionAcked = true;
    const settled = await Promise.allSettled([writer(store, 0, 5), writer(store, 1, 5)]);
    for (const result of settled) if (result.status === 'rejected') throw result.reason;
    await store.snapshot();
    await writer(store, 2, 3);
    await store.close();
  } catch (error) {
    if (!fs.powerLost) throw error;
  }
  return outcome;
}

/**
 * Writes while a snapshot has the collection frozen: the snapshot's hook (just after the log
 * rotated) runs upserts, deletes and a versioned copy and awaits them, and leaves one more writer
 * running while the snapshot writes its files and then applies what was held back.
 */
async function workloadDuringSnapshot(fs: FaultInjectingFs, dir: string): Promise<Outcome> {
  const outcome: Outcome = { collectionAcked: false, sent: new Set(), acked: new Set(), deleteSent: new Set(), deleted: new Set() };
  const upsert = async (store: ShardStore, ids: string[]): Promise<void> => {
    ids.forEach((id) => outcome.sent.add(id));
    await store.upsert(COLLECTION, ids.map(identity));
    ids.forEach((id) => outcome.acked.add(id));
  };
  const remove = async (store: ShardStore, id: string): Promise<void> => {
    outcome.deleteSent.add(id);
    await store.deleteIdentities(COLLECTION, [id]);
    outcome.deleted.add(id);
  };
  let inFlight: Promise<void> = Promise.resolve();
  let store: ShardStore | null = null;
  try {
    let armed = true;
    store = await ShardStore.open({
      dataDir: dir,
      fs,
      hnsw: HNSW,
      graphUpkeepIdleMs: 0,
      log: () => undefined, // reload attempts after the cut fail, as expected
      testHooks: {
        onSnapshotPhase: async (phase) => {
          if (phase !== 'rotated' || !armed || !store) return;
          armed = false;
          const held = store;
          await upsert(held, ['s-1', 's-2', 'b-1']); // b-1 replaced: it is in the frozen index
          await remove(held, 'b-0');
          outcome.sent.add('s-copy');
          await held.applyVersioned(COLLECTION, [{ ...identity('s-copy'), version: 1 }]);
          outcome.acked.add('s-copy');
          inFlight = (async () => {
            for (let i = 0; i < 4; i++) await upsert(held, [`s-late-${i}`]);
            await remove(held, 's-1');
          })();
          inFlight.catch(() => undefined); // awaited below; a power cut may reject it first
        },
      },
    });
    await store.ensureCollection(spec);
    outcome.collectionAcked = true;
    await upsert(store, ['b-0', 'b-1', 'b-2']);
    await store.snapshot();
    await inFlight;
    await upsert(store, ['after-0']);
    await store.close();
  } catch (error) {
    if (!fs.powerLost) throw error;
  }
  await inFlight.catch(() => undefined);
  return outcome;
}

/** After the power comes back: every promise kept, nothing invented, memory and index agree. */
/** A store on a fault-injecting fs that acknowledged one identity, 'before'; its log lines are kept. */
async function storeHoldingBefore(dir: string): Promise<{ fs: FaultInjectingFs; store: ShardStore; logLines: string[] }> {
  const fs = await FaultInjectingFs.create(dir);
  const logLines: string[] = [];
  const store = await ShardStore.open({ dataDir: dir, fs, hnsw: HNSW, log: (line) => logLines.push(line), graphUpkeepIdleMs: 0 });
  await store.ensureCollection(spec);
  await store.upsert(COLLECTION, [identity('before')]);
  return { fs, store, logLines };
}

/** Polls until `done` holds (the store reloads in the background), at most 10 s. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the store');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function verifyRecovered(dir: string, outcome: Outcome, context: string): Promise<void> {
  // Through a fault-injecting fs too: no real fsyncs, which keeps the crash sweep fast.
  const store = await ShardStore.open({ dataDir: dir, hnsw: HNSW, fs: await FaultInjectingFs.create(dir) }).catch((error: Error) => {
    throw new Error(`${context}: open after the power cut failed: ${error.message}`);
  });
  try {
    if (!store.listCollections().some((c) => c.name === COLLECTION)) {
      expect(outcome.collectionAcked, `${context}: acknowledged collection is gone`).toBe(false);
      return;
    }
    const stored = new Set(store.identityIds(COLLECTION));
    for (const id of outcome.acked) {
      if (outcome.deleteSent.has(id)) continue;
      expect(store.getIdentity(COLLECTION, id), `${context}: acknowledged ${id} lost`).toMatchObject({ identityId: id, attributes: { owner: id }, faceIds: ['f0', 'f1'] });
    }
    for (const id of outcome.deleted) expect(stored.has(id), `${context}: deleted ${id} came back`).toBe(false);
    for (const id of stored) expect(outcome.sent.has(id), `${context}: ${id} was never sent`).toBe(true);
    const [stats] = store.stats();
    expect(stats.faces, context).toBe(2 * stats.identities);
    const counts = store.debugCounts(COLLECTION);
    expect(counts.faces, context).toBe(counts.nextLabel - counts.freeLabels);
    expect(counts.indexElements, context).toBe(counts.nextLabel);
    for (const id of [...stored].slice(0, 20)) {
      expect(store.search(COLLECTION, vectorFor(id, 'f1', DIM), 1)[0], context).toMatchObject({ identityId: id, faceId: 'f1' });
    }
  } finally {
    await store.close();
  }
}

describe('power loss (fault-injecting file system: unsynced writes and folder entries are dropped)', () => {
  let dir: string;

  beforeEach(() => {
    dir = makeTempDir('power');
  });

  afterEach(() => {
    removeDir(dir);
  });

  it('loses no acknowledged write whichever file operation the power cut hits (every crash point of ingest, deletes and snapshots)', async () => {
    const dry = await FaultInjectingFs.create(dir);
    const full = await workload(dry, dir);
    expect(full.acked.size).toBe(39);
    expect(dry.journal.some((line) => line.includes(' rename ') && line.includes('snapshots'))).toBe(true);
    const points = dry.mutations;

    for (let crashAt = 1; crashAt <= points + 1; crashAt++) {
      removeDir(dir);
      const run = makeTempDir('power');
      try {
        const fs = await FaultInjectingFs.create(run);
        fs.crashAtMutation = crashAt;
        const outcome = await workload(fs, run);
        await fs.powerCycle();
        const cutAt = fs.journal[crashAt - 1] ?? 'after the end';
        await verifyRecovered(run, outcome, `power cut at mutation ${crashAt} (${cutAt}), ${outcome.acked.size} acked`);
      } finally {
        removeDir(run);
      }
    }
  }, 180_000); // ~10 s on an idle machine; one store life per crash point

  it('loses no acknowledged write when the power cut hits a snapshot with writes going on beside it (every crash point)', async () => {
    const dry = await FaultInjectingFs.create(dir);
    const full = await workloadDuringSnapshot(dry, dir);
    expect(full.acked.size).toBe(11);
    expect(full.deleted).toEqual(new Set(['b-0', 's-1']));
    await verifyRecovered(dir, full, 'no power cut');
    const points = dry.mutations;
    for (let crashAt = 1; crashAt <= points + 1; crashAt++) {
      const run = makeTempDir('power');
      try {
        const fs = await FaultInjectingFs.create(run);
        fs.crashAtMutation = crashAt;
        const outcome = await workloadDuringSnapshot(fs, run);
        await fs.powerCycle();
        await verifyRecovered(run, outcome, `power cut at mutation ${crashAt} (${fs.journal[crashAt - 1] ?? 'after the end'}), ${outcome.acked.size} acked`);
      } finally {
        removeDir(run);
      }
    }
  }, 120_000);

  it('a power cut right after acknowledgement keeps the write (the log fsync is what acknowledges)', async () => {
    const fs = await FaultInjectingFs.create(dir);
    const store = await ShardStore.open({ dataDir: dir, fs, hnsw: HNSW });
    await store.ensureCollection(spec);
    await store.upsert(COLLECTION, ['a', 'b'].map(identity));
    await fs.powerCycle();
    await verifyRecovered(dir, { collectionAcked: true, sent: new Set(['a', 'b']), acked: new Set(['a', 'b']), deleteSent: new Set(), deleted: new Set() }, 'cut after ack');
  });

  describe('injected I/O errors: a failed log write is not stored, not visible, and the store takes writes again', () => {
    for (const fault of [
      { op: 'datasync' as const, code: 'EIO' as const, expected: 'SHARD_UNAVAILABLE' },
      { op: 'write' as const, code: 'ENOSPC' as const, expected: 'STORAGE_FULL' },
    ]) {
      it(`${fault.code} on the log's ${fault.op}: the writes fail (${fault.expected}, retryable), the store reloads from disk without them, later writes are acknowledged and survive a power cut`, async () => {
        const { fs, store, logLines } = await storeHoldingBefore(dir);
        try {

          fs.inject({ ...fault, path: /\.wal$/, times: 1 });
          const [failed, concurrent] = await Promise.allSettled([store.upsert(COLLECTION, [identity('failed')]), store.upsert(COLLECTION, [identity('concurrent')])]);
          expect(failed).toMatchObject({ status: 'rejected', reason: { code: fault.expected, retryable: true, details: { osCode: fault.code } } });
          expect(concurrent).toMatchObject({ status: 'rejected', reason: { code: fault.expected, retryable: true } });

          // The writes were applied in memory before their fsync failed; the reload takes them out.
          await until(() => store.storageStatus().state === 'ok');
          expect(store.storageStatus().reloads).toBe(1);
          expect(store.identityIds(COLLECTION)).toEqual(['before']);
          expect(store.getIdentity(COLLECTION, 'failed')).toBeNull();
          const hits = store.search(COLLECTION, vectorFor('failed', 'f0', DIM), 3);
          expect(hits.map((h) => h.identityId)).not.toContain('failed');
          expect(logLines.some((line) => line.includes('reloaded from disk after a failed write'))).toBe(true);

          // The fault is gone: writes go again (a fresh log handle, never a retried fsync).
          await store.upsert(COLLECTION, [identity('after')]);
          await store.deleteIdentities(COLLECTION, ['before']);
          expect(store.identityIds(COLLECTION)).toEqual(['after']);
        } finally {
          await store.close();
        }
        await fs.powerCycle();
        await verifyRecovered(dir, { collectionAcked: true, sent: new Set(['before', 'after', 'failed', 'concurrent']), acked: new Set(['before', 'after']), deleteSent: new Set(['before']), deleted: new Set(['before']) }, `after ${fault.code}`);
        const reopened = await ShardStore.open({ dataDir: dir, hnsw: HNSW, graphUpkeepIdleMs: 0 });
        try {
          expect(reopened.identityIds(COLLECTION)).toEqual(['after']);
        } finally {
          await reopened.close();
        }
      });
    }

    it('a disk that refuses even the cut (EIO on fsync and truncate): the unacknowledged write leaves memory at once, writes stay refused, and once the disk works the reload cuts it and writes go', async () => {
      const { fs, store, logLines } = await storeHoldingBefore(dir);
      try {
        fs.inject({ op: 'datasync', code: 'EIO', path: /\.wal$/ });
        fs.inject({ op: 'truncate', code: 'EIO', path: /\.wal$/ });
        await expect(store.upsert(COLLECTION, [identity('lost')])).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE', retryable: true, details: { osCode: 'EIO', outcome: 'unknown' } });
        // The record's bytes are in the file (only their fsync failed) and cannot be cut: memory drops them anyway.
        await until(() => logLines.some((line) => line.includes('memory holds its acknowledged records only')));
        expect(store.getIdentity(COLLECTION, 'lost')).toBeNull();
        expect(store.identityIds(COLLECTION)).toEqual(['before']);
        expect(store.storageStatus().state).not.toBe('ok');
        await expect(store.upsert(COLLECTION, [identity('refused')])).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE' });

        fs.clearFaults(); // the disk works again
        await until(() => store.storageStatus().state === 'ok');
        await store.upsert(COLLECTION, [identity('after')]);
        expect(store.identityIds(COLLECTION).sort()).toEqual(['after', 'before']);
      } finally {
        await store.close();
      }
      await fs.powerCycle();
      await verifyRecovered(dir, { collectionAcked: true, sent: new Set(['before', 'lost', 'refused', 'after']), acked: new Set(['before', 'after']), deleteSent: new Set(), deleted: new Set() }, 'after a refused cut');
      const reopened = await ShardStore.open({ dataDir: dir, hnsw: HNSW, graphUpkeepIdleMs: 0 });
      try {
        expect(reopened.identityIds(COLLECTION).sort()).toEqual(['after', 'before']); // the lost record did not come back
      } finally {
        await reopened.close();
      }
    });

    it('a disk that stays full: each write fails STORAGE_FULL, memory never keeps a failed write, and after a second failure in a row writes pause instead of reloading on every one', async () => {
      const fs = await FaultInjectingFs.create(dir);
      const store = await ShardStore.open({ dataDir: dir, fs, hnsw: HNSW, log: () => undefined, graphUpkeepIdleMs: 0 });
      try {
        await store.ensureCollection(spec);
        await store.upsert(COLLECTION, [identity('kept')]);
        fs.inject({ op: 'write', code: 'ENOSPC', path: /\.wal$/ });
        // As the shard does: every upsert confirms its collection first (a wait for a record durable long ago).
        const upsert = async (id: string) => {
          await store.ensureCollection(spec);
          return store.upsert(COLLECTION, [identity(id)]);
        };
        await expect(upsert('x1')).rejects.toMatchObject({ code: 'STORAGE_FULL' });
        await until(() => store.storageStatus().state === 'ok');
        await expect(upsert('x2')).rejects.toMatchObject({ code: 'STORAGE_FULL' });
        await until(() => store.storageStatus().reloads === 2 && store.storageStatus().state !== 'reloading');
        // Second reload in a row: writes wait a while rather than try the disk (and reload) again.
        expect(store.storageStatus()).toMatchObject({ state: 'paused', detail: expect.stringContaining('ENOSPC') });
        await expect(upsert('x3')).rejects.toMatchObject({ code: 'STORAGE_FULL', message: expect.stringContaining('takes writes again in') });
        expect(store.storageStatus().reloads).toBe(2);
        expect(store.identityIds(COLLECTION)).toEqual(['kept']);

        fs.clearFaults(); // room again
        await until(() => store.storageStatus().state === 'ok');
        await store.upsert(COLLECTION, [identity('later')]);
        expect(store.identityIds(COLLECTION).sort()).toEqual(['kept', 'later']);
      } finally {
        await store.close();
      }
    });

    it('ENOSPC while writing a snapshot fails that snapshot only: writes go on, and a later snapshot succeeds', async () => {
      const fs = await FaultInjectingFs.create(dir);
      const store = await ShardStore.open({ dataDir: dir, fs, hnsw: HNSW });
      await store.ensureCollection(spec);
      await store.upsert(COLLECTION, ['a', 'b'].map(identity));
      fs.inject({ op: 'write', code: 'ENOSPC', path: /snapshots/, times: 1 });
      await expect(store.snapshot()).rejects.toMatchObject({ code: 'ENOSPC' });
      await store.upsert(COLLECTION, [identity('c')]);
      await store.snapshot();
      expect(readdirSync(join(dir, 'snapshots'))).toEqual([String(store.lastSnapshotLsn).padStart(20, '0')]);
      await store.upsert(COLLECTION, [identity('d')]);
      await fs.powerCycle();
      await verifyRecovered(dir, { collectionAcked: true, sent: new Set(['a', 'b', 'c', 'd']), acked: new Set(['a', 'b', 'c', 'd']), deleteSent: new Set(), deleted: new Set() }, 'after ENOSPC');
    });
  });
});
