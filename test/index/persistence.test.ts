import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShardStore } from '@faceshard/index';
import { makeIdentities, makeTempDir, removeDir, vectorFor } from './helpers';

const DIM = 24;
const spec = { name: 'gallery', dimension: DIM, metric: 'cosine' as const };

function walFiles(dir: string): string[] {
  return readdirSync(join(dir, 'wal')).sort();
}

function snapshotDirs(dir: string): string[] {
  return readdirSync(join(dir, 'snapshots')).sort();
}

/** Everything observable about a store, for before/after comparisons. */
function fingerprint(store: ShardStore) {
  const collections = store.listCollections();
  return {
    // revivedFaces counts since the process started (not persisted): not part of the stored state.
    stats: store.stats().map(({ revivedFaces: _sinceStart, ...stored }) => stored),
    counts: collections.map((c) => store.debugCounts(c.name)),
    identities: collections.map((c) =>
      Array.from({ length: 80 }, (_, n) => store.getIdentity(c.name, `id-${n}`)),
    ),
    searches: collections.map((c) =>
      [0, 5, 17, 33, 60].map((n) => store.search(c.name, vectorFor(`id-${n}`, 'f0', c.dimension), 5).map((h) => [h.identityId, h.faceId, h.score.toFixed(5)])),
    ),
  };
}

/** A mixed history: inserts, a delete, a replace, an append, and a second collection. */
async function writeHistory(store: ShardStore, from: number, to: number): Promise<void> {
  await store.upsert('gallery', makeIdentities(from, to, DIM, 2));
  await store.deleteIdentities('gallery', [`id-${from + 1}`, `id-${from + 2}`]);
  await store.upsert('gallery', [{ identityId: `id-${from + 3}`, mode: 'replace', attributes: { replaced: true }, faces: [{ faceId: 'f9', vector: vectorFor('x', String(from), DIM) }] }]);
  await store.upsert('gallery', [{ identityId: `id-${from + 4}`, mode: 'append', faces: [{ faceId: 'f0', vector: vectorFor('y', String(from), DIM) }, { faceId: 'f5', vector: vectorFor('z', String(from), DIM) }] }]);
  await store.upsert('gallery', makeIdentities(from + 1, from + 2, DIM, 1)); // deleted id comes back, into a freed label
}

describe('ShardStore persistence and recovery (real disk)', () => {
  let dir: string;

  beforeEach(() => {
    dir = makeTempDir('persist');
  });

  afterEach(() => {
    removeDir(dir);
  });

  it('recovers from the log alone', async () => {
    const store = await ShardStore.open({ dataDir: dir });
    await store.ensureCollection(spec);
    await writeHistory(store, 0, 40);
    await store.ensureCollection({ name: 'other', dimension: 8, metric: 'ip' });
    await store.upsert('other', [{ identityId: 'o', mode: 'replace', faces: [{ faceId: 'f', vector: new Float32Array(8).fill(0.5) }] }]);
    const before = fingerprint(store);
    await store.close();
    expect(snapshotDirs(dir)).toEqual([]);

    const reopened = await ShardStore.open({ dataDir: dir });
    expect(reopened.recovery).toMatchObject({ snapshotLsn: 0, truncatedBytes: 0 });
    expect(reopened.recovery.replayedRecords).toBeGreaterThan(5);
    expect(fingerprint(reopened)).toEqual(before);
    await reopened.close();
  });

  it('recovers from a snapshot alone and drops the log segments it covers', async () => {
    const store = await ShardStore.open({ dataDir: dir });
    await store.ensureCollection(spec);
    await writeHistory(store, 0, 60);
    const before = fingerprint(store);
    const segmentsBefore = walFiles(dir);
    await store.snapshot();
    const snapshotLsn = store.lastSnapshotLsn;
    expect(snapshotLsn).toBeGreaterThan(0);
    expect(snapshotDirs(dir)).toEqual([String(snapshotLsn).padStart(20, '0')]);
    // Only the fresh (empty) segment after the snapshot remains.
    expect(walFiles(dir)).toEqual([`${String(snapshotLsn + 1).padStart(20, '0')}.wal`]);
    expect(segmentsBefore).not.toEqual(walFiles(dir));
    await store.close();

    const reopened = await ShardStore.open({ dataDir: dir });
    expect(reopened.recovery).toMatchObject({ snapshotLsn, replayedRecords: 0 });
    expect(fingerprint(reopened)).toEqual(before);
    await reopened.close();
  });

  it('recovers from snapshot + log, with identical label allocation afterwards', async () => {
    const store = await ShardStore.open({ dataDir: dir });
    await store.ensureCollection(spec);
    await writeHistory(store, 0, 40);
    await store.snapshot();
    await writeHistory(store, 40, 75);
    await store.ensureCollection({ name: 'dropme', dimension: 4, metric: 'ip' });
    await store.dropCollection('dropme');
    const before = fingerprint(store);
    await store.close();

    const reopened = await ShardStore.open({ dataDir: dir });
    expect(reopened.recovery.snapshotLsn).toBeGreaterThan(0);
    expect(reopened.recovery.replayedRecords).toBeGreaterThan(0);
    expect(fingerprint(reopened)).toEqual(before);
    // The same writes after recovery land on the same labels as they would have without the restart.
    await writeHistory(reopened, 75, 80);
    const after = reopened.debugCounts('gallery');
    await reopened.close();

    const controlDir = makeTempDir('control');
    const control = await ShardStore.open({ dataDir: controlDir });
    try {
      await control.ensureCollection(spec);
      await writeHistory(control, 0, 40);
      await writeHistory(control, 40, 75);
      await writeHistory(control, 75, 80);
      expect(control.debugCounts('gallery')).toEqual(after);
    } finally {
      await control.close();
      removeDir(controlDir);
    }
  });

  it('keeps labels right after a reload from snapshot with freed labels (the case hnswlib replaceDeleted gets wrong)', async () => {
    const store = await ShardStore.open({ dataDir: dir });
    await store.ensureCollection(spec);
    await store.upsert('gallery', makeIdentities(0, 6, DIM));
    await store.deleteIdentities('gallery', ['id-2']);
    await store.deleteIdentities('gallery', ['id-1']);
    await store.snapshot();
    await store.close();

    const reopened = await ShardStore.open({ dataDir: dir });
    await reopened.upsert('gallery', makeIdentities(10, 12, DIM)); // new labels; the freed ones stay deleted
    expect(reopened.debugCounts('gallery')).toMatchObject({ nextLabel: 8, freeLabels: 2 });
    for (const id of ['id-10', 'id-11']) {
      const [top] = reopened.search('gallery', vectorFor(id, 'f0', DIM), 1);
      expect(top).toMatchObject({ identityId: id, faceId: 'f0' });
      expect(top.score).toBeCloseTo(1, 5);
    }
    // Deleting the reused labels works (with replaceDeleted, hnswlib would have lost one: "Label not found").
    expect(await reopened.deleteIdentities('gallery', ['id-10', 'id-11', 'id-0'])).toBe(3);
    const hits = reopened.search('gallery', vectorFor('id-10', 'f0', DIM), 10);
    expect(hits.map((h) => h.identityId).sort()).toEqual(['id-3', 'id-4', 'id-5']);
    expect(reopened.debugCounts('gallery')).toMatchObject({ indexElements: 8, nextLabel: 8, freeLabels: 5, faces: 3 });
    await reopened.close();
  });

  it('cuts a torn tail record (a write that never completed) and keeps going', async () => {
    const store = await ShardStore.open({ dataDir: dir });
    await store.ensureCollection(spec);
    await store.upsert('gallery', makeIdentities(0, 30, DIM));
    const before = fingerprint(store);
    await store.close();

    // Simulate a crash mid-append: the first half of a genuine record frame.
    const segment = join(dir, 'wal', walFiles(dir).at(-1) as string);
    const validSize = statSync(segment).size;
    const scratch = makeTempDir('scratch');
    const helper = await ShardStore.open({ dataDir: scratch });
    await helper.ensureCollection(spec);
    await helper.upsert('gallery', makeIdentities(500, 520, DIM));
    await helper.close();
    const foreign = readFileSync(join(scratch, 'wal', walFiles(scratch).at(-1) as string));
    removeDir(scratch);
    // foreign = [create frame][upsert frame]; append the first half of the upsert frame.
    const upsertFrameStart = 8 + foreign.readUInt32LE(0);
    const half = Math.floor((foreign.length - upsertFrameStart) / 2);
    appendFileSync(segment, foreign.subarray(upsertFrameStart, upsertFrameStart + half));

    const reopened = await ShardStore.open({ dataDir: dir });
    expect(reopened.recovery.truncatedBytes).toBe(half);
    expect(statSync(segment).size).toBe(validSize);
    expect(fingerprint(reopened)).toEqual(before);
    await reopened.upsert('gallery', makeIdentities(30, 35, DIM));
    await reopened.close();

    const again = await ShardStore.open({ dataDir: dir });
    expect(again.recovery.truncatedBytes).toBe(0);
    expect(again.stats()[0]).toMatchObject({ identities: 35, faces: 35 });
    await again.close();
  });

  it('drops a last record whose checksum does not match (never acknowledged), keeps the ones before', async () => {
    const store = await ShardStore.open({ dataDir: dir });
    await store.ensureCollection(spec);
    await store.upsert('gallery', makeIdentities(0, 10, DIM));
    const segment = join(dir, 'wal', walFiles(dir).at(-1) as string);
    const sizeBeforeLast = statSync(segment).size;
    await store.upsert('gallery', makeIdentities(10, 20, DIM));
    await store.close();

    const bytes = readFileSync(segment);
    bytes[sizeBeforeLast + 100] ^= 0xff;
    writeFileSync(segment, bytes);

    const reopened = await ShardStore.open({ dataDir: dir });
    expect(reopened.recovery.truncatedBytes).toBe(bytes.length - sizeBeforeLast);
    expect(reopened.stats()[0]).toMatchObject({ identities: 10, faces: 10 });
    expect(reopened.getIdentity('gallery', 'id-9')).not.toBeNull();
    expect(reopened.getIdentity('gallery', 'id-10')).toBeNull();
    await reopened.close();
  });

  // Damage inside a segment that is not the last: wal-damage.test.ts.
  it('refuses to open with a log gap when the snapshot that covered the deleted segments is gone', async () => {
    const store = await ShardStore.open({ dataDir: dir });
    await store.ensureCollection(spec);
    await store.upsert('gallery', makeIdentities(0, 10, DIM));
    await store.snapshot();
    await store.upsert('gallery', makeIdentities(10, 20, DIM));
    await store.close();
    // Remove the snapshot so the first segment is needed, then damage that segment.
    removeDir(join(dir, 'snapshots'));
    const segments = walFiles(dir);
    expect(segments.length).toBe(1); // the snapshot deleted the covered segment...
    // ...so recovery without it must notice the gap rather than start from nothing.
    await expect(ShardStore.open({ dataDir: dir })).rejects.toMatchObject({ code: 'WAL_CORRUPT', message: expect.stringMatching(/gap/) });
  });

  it('refuses to open a middle segment with a bad record', async () => {
    const store = await ShardStore.open({ dataDir: dir, snapshotEveryOps: 1_000_000 });
    await store.ensureCollection(spec);
    await store.upsert('gallery', makeIdentities(0, 10, DIM));
    await store.close();
    const [first] = walFiles(dir);
    const bytes = readFileSync(join(dir, 'wal', first));
    const reopened = await ShardStore.open({ dataDir: dir });
    const nextLsn = reopened.recovery.nextLsn;
    await reopened.close();
    // An empty later segment makes `first` a middle segment.
    writeFileSync(join(dir, 'wal', `${String(nextLsn).padStart(20, '0')}.wal`), Buffer.alloc(0));
    bytes[bytes.length - 5] ^= 0x01;
    writeFileSync(join(dir, 'wal', first), bytes);
    await expect(ShardStore.open({ dataDir: dir })).rejects.toMatchObject({ code: 'WAL_CORRUPT', message: expect.stringMatching(/damaged/) });
  });

  it('snapshots automatically every N ops and keeps only the newest snapshot and the log after it', async () => {
    const store = await ShardStore.open({ dataDir: dir, snapshotEveryOps: 50 });
    await store.ensureCollection(spec);
    for (let start = 0; start < 300; start += 20) await store.upsert('gallery', makeIdentities(start, start + 20, DIM));
    await store.snapshot(); // waits for any background one too (serialised)
    expect(store.lastSnapshotError).toBeNull();
    expect(snapshotDirs(dir)).toHaveLength(1);
    expect(walFiles(dir)).toHaveLength(1);
    const before = fingerprint(store);
    await store.close();
    const reopened = await ShardStore.open({ dataDir: dir });
    expect(reopened.recovery.replayedRecords).toBe(0);
    expect(fingerprint(reopened)).toEqual(before);
    expect(reopened.stats()[0]).toMatchObject({ identities: 300, faces: 300 });
    await reopened.close();
  });

  it('ignores a snapshot temp folder left by a crash and removes it', async () => {
    const store = await ShardStore.open({ dataDir: dir });
    await store.ensureCollection(spec);
    await store.upsert('gallery', makeIdentities(0, 10, DIM));
    await store.close();
    const temp = join(dir, 'snapshots', 'tmp-00000000000000000099');
    await import('node:fs/promises').then((fs) => fs.mkdir(temp, { recursive: true }));
    writeFileSync(join(temp, 'manifest'), 'half-written');
    const reopened = await ShardStore.open({ dataDir: dir });
    expect(existsSync(temp)).toBe(false);
    expect(reopened.stats()[0]).toMatchObject({ identities: 10 });
    await reopened.close();
  });

  it('refuses to load a snapshot whose index file was cut short, instead of handing it to hnswlib', async () => {
    const store = await ShardStore.open({ dataDir: dir });
    await store.ensureCollection(spec);
    await store.upsert('gallery', makeIdentities(0, 10, DIM));
    await store.snapshot();
    await store.close();
    const [snapshot] = snapshotDirs(dir);
    const indexFile = join(dir, 'snapshots', snapshot, 'c0.hnsw');
    writeFileSync(indexFile, readFileSync(indexFile).subarray(0, 1000));
    await expect(ShardStore.open({ dataDir: dir })).rejects.toThrow(/manifest says/);
  });

  it('refuses to load a snapshot index file with one flipped bit anywhere (SNAPSHOT_CORRUPT, naming the file), and loads the intact file as before', async () => {
    const store = await ShardStore.open({ dataDir: dir, graphUpkeepIdleMs: 0 });
    await store.ensureCollection(spec);
    await store.upsert('gallery', makeIdentities(0, 80, DIM, 2));
    await store.snapshot();
    const before = fingerprint(store);
    await store.close();
    const [snapshot] = snapshotDirs(dir);
    const indexFile = join(dir, 'snapshots', snapshot, 'c0.hnsw');
    const intact = readFileSync(indexFile);
    // A header byte (hnswlib's own sanity check may catch that one), then links, a vector, a label:
    // hnswlib loads these without complaint, and the shard would serve them.
    for (const at of [20, Math.floor(intact.length / 3), Math.floor(intact.length / 2) + 7, intact.length - 3]) {
      const damaged = Buffer.from(intact);
      damaged[at] ^= 0x04;
      writeFileSync(indexFile, damaged);
      await expect(ShardStore.open({ dataDir: dir }), `byte ${at}`).rejects.toMatchObject({ code: 'SNAPSHOT_CORRUPT', message: expect.stringContaining(indexFile) });
    }
    writeFileSync(indexFile, intact);
    const reopened = await ShardStore.open({ dataDir: dir, graphUpkeepIdleMs: 0 });
    try {
      expect(fingerprint(reopened)).toEqual(before);
    } finally {
      await reopened.close();
    }
  });

  it('refuses a second open of the same folder while the first is open, and reopens after close', async () => {
    const store = await ShardStore.open({ dataDir: dir });
    await expect(ShardStore.open({ dataDir: dir })).rejects.toThrow(/already open/);
    await store.close();
    const again = await ShardStore.open({ dataDir: dir });
    await again.close();
  });
});
