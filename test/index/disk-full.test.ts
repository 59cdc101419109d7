import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { resolveShardId } from '@faceshard/cluster';
import { ShardStore } from '@faceshard/index';
import { makeTempDir, vectorFor } from './helpers';

/**
 * A real full disk: a small ext4 file system on a loop device (not an injected error), so what
 * the kernel does on ENOSPC — a partial write, then the error — is what the store meets. Needs
 * root, mkfs.ext4 and a loop device; without them the suite says so in its name and skips.
 */
const DIM = 512;
const COLLECTION = 'full';
const BATCH = 50;
const HNSW = { M: 8, efConstruction: 32, initialCapacity: 256 };

function whyUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to mount a loop device';
  if (!existsSync('/dev/loop-control')) return 'no loop devices (/dev/loop-control)';
  try {
    execFileSync('mkfs.ext4', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'mkfs.ext4 is not installed';
  }
  return null;
}
const unavailable = whyUnavailable();

function batch(start: number): { identityId: string; mode: 'replace'; faces: { faceId: string; vector: Float32Array }[] }[] {
  return Array.from({ length: BATCH }, (_, i) => ({ identityId: `p-${start + i}`, mode: 'replace' as const, faces: [{ faceId: 'f0', vector: vectorFor(`p-${start + i}`, 'f0', DIM) }] }));
}

async function until(done: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(unavailable !== null)(`a shard store on a real full file system (${unavailable ? `skipped: ${unavailable}` : 'a 24 MB ext4 on a loop device'})`, () => {
  let work = '';
  let mountPoint = '';
  let mounted = false;

  beforeAll(() => {
    work = makeTempDir('disk-full');
    const image = join(work, 'fs.img');
    mountPoint = join(work, 'mnt');
    mkdirSync(mountPoint);
    writeFileSync(image, '');
    truncateSync(image, 24 * 1024 * 1024);
    execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: 'ignore' });
    execFileSync('mount', ['-o', 'loop', image, mountPoint], { stdio: 'ignore' });
    mounted = true;
  });

  afterAll(() => {
    if (mounted) execFileSync('umount', [mountPoint], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  });

  it('a write that does not fit fails 507 STORAGE_FULL and is not stored; the store reloads without it and takes writes again once there is room; nothing acknowledged is lost', async () => {
    const ballast = join(mountPoint, 'ballast');
    writeFileSync(ballast, Buffer.alloc(4 * 1024 * 1024, 1)); // freed later: "the operator makes room"
    const dataDir = join(mountPoint, 'store');
    const logLines: string[] = [];
    const store = await ShardStore.open({ dataDir, hnsw: HNSW, snapshotEveryOps: 1_000_000, graphUpkeepIdleMs: 0, graphUpkeepIdleSnapshotMs: 0, log: (line) => logLines.push(line) });
    let acknowledged = 0;
    let failedAt = -1;
    try {
      await store.ensureCollection({ name: COLLECTION, dimension: DIM, metric: 'cosine' });
      let failure: unknown = null;
      for (let start = 0; failure === null; start += BATCH) {
        if (start > 100_000) throw new Error('the file system never filled up');
        try {
          await store.upsert(COLLECTION, batch(start));
          acknowledged += BATCH;
        } catch (error) {
          failure = error;
          failedAt = start;
        }
      }
      expect(failure).toBeInstanceOf(FaceshardError);
      expect(failure).toMatchObject({ code: 'STORAGE_FULL', status: 507, retryable: true, details: { osCode: 'ENOSPC' } });

      // The failed batch was in memory while its write ran; after the reload it is not.
      await until(() => store.storageStatus().reloads >= 1 && store.storageStatus().state !== 'reloading', 'the reload');
      expect(store.identityIds(COLLECTION).length).toBe(acknowledged);
      expect(store.getIdentity(COLLECTION, `p-${failedAt}`)).toBeNull();
      expect(store.search(COLLECTION, vectorFor(`p-${failedAt}`, 'f0', DIM), 1)[0]?.identityId).not.toBe(`p-${failedAt}`);
      expect(logLines.some((line) => line.includes('reloaded from disk after a failed write'))).toBe(true);

      // Room again: the same batch, retried (it may meet a pause or the full disk once more first).
      unlinkSync(ballast);
      await until(() => store.storageStatus().state === 'ok', 'writes to resume', 70_000);
      let retried = false;
      for (let attempt = 0; !retried && attempt < 100; attempt++) {
        try {
          await store.upsert(COLLECTION, batch(failedAt));
          retried = true;
        } catch (error) {
          expect(error).toMatchObject({ code: 'STORAGE_FULL' });
          await until(() => store.storageStatus().state === 'ok', 'writes to resume', 70_000);
        }
      }
      expect(retried).toBe(true);
      acknowledged += BATCH;
      expect(store.identityIds(COLLECTION).length).toBe(acknowledged);
    } finally {
      await store.close();
    }

    const reopened = await ShardStore.open({ dataDir, hnsw: HNSW, graphUpkeepIdleMs: 0, graphUpkeepIdleSnapshotMs: 0, log: () => undefined });
    try {
      expect(reopened.recovery.truncatedBytes).toBe(0); // the cut left no partial record behind
      expect(reopened.identityIds(COLLECTION).length).toBe(acknowledged);
      for (const id of ['p-0', `p-${failedAt - 1}`, `p-${failedAt}`, `p-${failedAt + BATCH - 1}`]) expect(reopened.getIdentity(COLLECTION, id), id).not.toBeNull();
    } finally {
      await reopened.close();
    }
  }, 120_000);

  it('a shard whose disk is full starts again (its id, its data-folder lock) and serves reads; writes fail STORAGE_FULL', async () => {
    const shardDir = join(mountPoint, 'shard-b');
    const id = await resolveShardId(shardDir);
    const dataDir = join(shardDir, 'store');
    const first = await ShardStore.open({ dataDir, hnsw: HNSW, graphUpkeepIdleMs: 0, graphUpkeepIdleSnapshotMs: 0, log: () => undefined });
    await first.ensureCollection({ name: COLLECTION, dimension: DIM, metric: 'cosine' });
    await first.upsert(COLLECTION, batch(0));
    await first.close();
    fillToTheLastBlock(join(mountPoint, 'filler'));

    expect(await resolveShardId(shardDir)).toBe(id); // read, not written again
    const store = await ShardStore.open({ dataDir, hnsw: HNSW, graphUpkeepIdleMs: 0, graphUpkeepIdleSnapshotMs: 0, log: () => undefined });
    try {
      expect(store.identityIds(COLLECTION).length).toBe(BATCH);
      expect(store.search(COLLECTION, vectorFor('p-7', 'f0', DIM), 1)[0]?.identityId).toBe('p-7');
      await expect(store.upsert(COLLECTION, batch(BATCH))).rejects.toMatchObject({ code: 'STORAGE_FULL' });
    } finally {
      await store.close();
      unlinkSync(join(mountPoint, 'filler'));
    }
  }, 60_000);
});

/** Writes zeros until the file system refuses (root may use the blocks reserved for it, so df's 0 is not full). */
function fillToTheLastBlock(path: string): void {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) {
      try {
        writeSync(fd, block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        try {
          writeSync(fd, block, 0, 512); // the last partial block
        } catch {
          return;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
