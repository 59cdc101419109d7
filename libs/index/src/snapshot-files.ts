import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { FaceshardError } from '@faceshard/contracts';
import { HierarchicalNSW } from 'hnswlib-node';
import type { CollectionSpec } from '@faceshard/contracts';
import { DataLayout, parseLsnName } from './data-layout';
import { writeFileDurable } from './durable-fs';
import { readExactly, type StoreFs } from './store-fs';
import { decodeManifest, encodeManifest, type CollectionMeta, type SnapshotManifest } from './collection-meta';
import { decodeMetaFile, writeMetaFile, type MetaSource } from './meta-file';
import type { LogSyncActivity } from './log-sync-activity';
import { copyDurablyInSteps } from './paced-durable-copy';
import { removeFolderInSteps } from './paced-removal';
import { encodeFrame, readFrameAt } from './wal-frame';

/** One collection's files, written into the snapshot's temp folder. */
export interface WrittenCollection {
  spec: CollectionSpec;
  indexFile: string | null;
  /** CRC32 of indexFile, taken while it was made durable. */
  indexCrc32?: number;
  metaFile: string;
}

/** A snapshot whose index and metadata files are written into its temp folder, waiting for install(). */
export interface PendingSnapshot {
  lsn: number;
  tempDir: string;
  collections: WrittenCollection[];
  /** Highest dropped generation per collection name. */
  dropped?: Record<string, number>;
}

export interface LoadedSnapshot {
  lsn: number;
  collections: { spec: CollectionSpec; hnsw: HierarchicalNSW | null; meta: CollectionMeta }[];
  dropped: Record<string, number>;
}

/** Fresh temp folder for a snapshot covering `lsn` (a leftover from a crashed attempt is removed). */
export async function beginSnapshot(fs: StoreFs, layout: DataLayout, lsn: number): Promise<string> {
  const tempDir = layout.snapshotTempDir(lsn);
  await fs.remove(tempDir);
  await fs.mkdir(tempDir);
  return tempDir;
}

/** What a snapshot needs of a collection (CollectionIndex). */
export interface SnapshotSource {
  readonly spec: CollectionSpec;
  /** hnswlib writeIndex: false when the index never held a vector (no file). */
  writeIndex(path: string): Promise<boolean>;
  metaStream(): MetaSource;
}

/** Files of a collection written while it was frozen, as scratch files still to be made durable (makeCollectionDurable). */
export interface CapturedCollection {
  written: WrittenCollection;
  /** hnswlib's file, to become indexFile; null: no index. */
  scratchIndexFile: string | null;
  /** The metadata, to become metaFile. */
  scratchMetaFile: string;
}

/**
 * Writes collection number `position`: the hnswlib index file and the metadata file AT ONCE.
 * hnswlib-node's writeIndex runs on a libuv worker thread (the event loop stays free) while the
 * metadata is encoded here in slices of a few ms. The caller keeps the collection frozen for the
 * whole time, since that thread reads the live index (addPoint or resizeIndex would race it):
 * the store holds later writes beside it (snapshot-overlay.ts). Both go to scratch files, not
 * synced: nothing here waits for the disk, so the freeze is as short as the encoding. On return
 * they read nothing of the collection any more: the caller thaws it, then makeCollectionDurable.
 */
export async function writeCollectionFiles(fs: StoreFs, tempDir: string, position: number, collection: SnapshotSource): Promise<CapturedCollection> {
  const indexFile = `c${position}.hnsw`;
  const metaFile = `c${position}.meta`;
  const scratchIndexFile = `${indexFile}.scratch`;
  const scratchMetaFile = `${metaFile}.scratch`;
  let indexWritten = false;
  const [index, meta] = await Promise.allSettled([
    fs.writeExternal(join(tempDir, scratchIndexFile), async (path) => {
      indexWritten = await collection.writeIndex(path);
    }),
    writeMetaFile(fs, join(tempDir, scratchMetaFile), collection.metaStream()),
  ]);
  // Both settled: a failure of one never releases the lock while hnswlib is still writing.
  if (index.status === 'rejected') throw index.reason;
  if (meta.status === 'rejected') throw meta.reason;
  return {
    written: { spec: { ...collection.spec }, indexFile: indexWritten ? indexFile : null, metaFile },
    scratchIndexFile: indexWritten ? scratchIndexFile : null,
    scratchMetaFile,
  };
}

/**
 * The collection's files made durable: each copied from its scratch file in paced, fdatasynced
 * steps that give way to the store's log (copyDurablyInSteps: one fsync of a whole file held the
 * log's fsyncs, so writers' acknowledgements, for as long as the file took to reach the disk),
 * then the scratch files removed.
 */
export async function makeCollectionDurable(fs: StoreFs, tempDir: string, captured: CapturedCollection, log: LogSyncActivity): Promise<WrittenCollection> {
  const { written, scratchIndexFile, scratchMetaFile } = captured;
  await copyDurablyInSteps(fs, join(tempDir, scratchMetaFile), join(tempDir, written.metaFile), { log });
  await fs.remove(join(tempDir, scratchMetaFile));
  if (written.indexFile && scratchIndexFile) {
    const indexCrc32 = await copyDurablyInSteps(fs, join(tempDir, scratchIndexFile), join(tempDir, written.indexFile), { log });
    await fs.remove(join(tempDir, scratchIndexFile));
    return { ...written, indexCrc32 };
  }
  return written;
}

/**
 * Makes the snapshot durable and visible (its collection files are written and fsynced): the
 * manifest, fsync of the folder, then one rename of the folder (atomic), then fsync of the parent.
 * Until the rename the previous snapshot stays the newest; after it, this one is complete.
 */
export async function installSnapshot(fs: StoreFs, layout: DataLayout, pending: PendingSnapshot): Promise<void> {
  const manifest: SnapshotManifest = { version: 1, lsn: pending.lsn, collections: [] };
  if (pending.dropped && Object.keys(pending.dropped).length > 0) manifest.dropped = pending.dropped;
  for (const collection of pending.collections) {
    const indexBytes = collection.indexFile ? await fs.size(join(pending.tempDir, collection.indexFile)) : 0;
    const checksum = collection.indexCrc32 !== undefined ? { indexCrc32: collection.indexCrc32 } : {};
    manifest.collections.push({ spec: collection.spec, indexFile: collection.indexFile, indexBytes, ...checksum, metaFile: collection.metaFile });
  }
  await writeFileDurable(fs, join(pending.tempDir, 'manifest'), encodeFrame(encodeManifest(manifest)));
  await fs.fsyncPath(pending.tempDir);
  const finalDir = layout.snapshotDir(pending.lsn);
  await fs.remove(finalDir);
  await fs.rename(pending.tempDir, finalDir);
  await fs.fsyncPath(layout.snapshotsDir);
}

/** LSNs of installed snapshots, ascending. */
export async function listSnapshots(fs: StoreFs, layout: DataLayout): Promise<number[]> {
  const names = await fs.readdir(layout.snapshotsDir);
  return names
    .map((name) => parseLsnName(name))
    .filter((lsn): lsn is number => lsn !== null)
    .sort((a, b) => a - b);
}

/**
 * Removes temp folders left by crashed snapshots and installed snapshots older than `keepLsn`.
 * Beside a running log (`log` given), big files are shrunk first in steps that give way to it
 * (removeFolderInSteps); at open no writer waits on a log yet, so they go at once.
 */
export async function pruneSnapshots(fs: StoreFs, layout: DataLayout, keepLsn: number | null, log?: LogSyncActivity): Promise<void> {
  const names = await fs.readdir(layout.snapshotsDir);
  let removed = false;
  for (const name of names) {
    const lsn = parseLsnName(name);
    const stale = name.startsWith('tmp-') || (lsn !== null && keepLsn !== null && lsn < keepLsn);
    if (!stale) continue;
    const dir = join(layout.snapshotsDir, name);
    if (log) await removeFolderInSteps(fs, dir, { log });
    else await fs.remove(dir);
    removed = true;
  }
  if (removed) await fs.fsyncPath(layout.snapshotsDir);
}

async function readFramedFile(fs: StoreFs, path: string): Promise<Buffer> {
  const bytes = await fs.readFile(path);
  const frame = readFrameAt(bytes, 0);
  if (frame.kind !== 'ok' || frame.next !== bytes.length) throw new Error(`snapshot file ${path} is damaged`);
  return frame.body;
}

/**
 * Where the installed snapshot at `lsn` keeps collection `name`'s hnswlib index file; null when
 * the snapshot holds no such collection or no index for it (it never held a vector).
 */
export async function snapshotIndexFile(fs: StoreFs, layout: DataLayout, lsn: number, name: string): Promise<string | null> {
  const dir = layout.snapshotDir(lsn);
  const manifest = decodeManifest(await readFramedFile(fs, join(dir, 'manifest')));
  const entry = manifest.collections.find((collection) => collection.spec.name === name);
  return entry?.indexFile ? join(dir, entry.indexFile) : null;
}

/** Loads the snapshot at `lsn` (an installed one is complete; damage is an error, not skipped). */
export async function loadSnapshot(fs: StoreFs, layout: DataLayout, lsn: number): Promise<LoadedSnapshot> {
  const dir = layout.snapshotDir(lsn);
  const manifest = decodeManifest(await readFramedFile(fs, join(dir, 'manifest')));
  if (manifest.lsn !== lsn) throw new Error(`snapshot ${dir} claims lsn ${manifest.lsn}`);
  const collections: LoadedSnapshot['collections'] = [];
  for (const entry of manifest.collections) {
    const metaPath = join(dir, entry.metaFile);
    const meta = decodeMetaFile(await fs.readFile(metaPath), metaPath);
    let hnsw: HierarchicalNSW | null = null;
    if (entry.indexFile) {
      const indexPath = join(dir, entry.indexFile);
      const size = await fs.size(indexPath);
      if (size !== entry.indexBytes) throw new Error(`snapshot index ${indexPath} has ${size} bytes, manifest says ${entry.indexBytes}`);
      if (entry.indexCrc32 !== undefined) await verifyChecksum(fs, indexPath, size, entry.indexCrc32);
      hnsw = new HierarchicalNSW('ip', entry.spec.dimension);
      await hnsw.readIndex(indexPath, false);
    }
    collections.push({ spec: entry.spec, hnsw, meta });
  }
  return { lsn, collections, dropped: manifest.dropped ?? {} };
}

/** Read size of a checksum pass: large enough that the CRC, not the calls, is the cost (~0.2 s per 600 MB). */
const CHECKSUM_READ_BYTES = 8 * 1024 * 1024;

/**
 * Refuses a snapshot index file whose CRC32 is not the one its manifest recorded: hnswlib would
 * load a flipped byte without a word, and the file is the only copy of the faces' vectors (the
 * integrity check reads its truth from it too), so a damaged one would be served as if sound.
 */
async function verifyChecksum(fs: StoreFs, path: string, size: number, expected: number): Promise<void> {
  const file = await fs.open(path, 'r');
  let crc = 0;
  try {
    const buffer = Buffer.allocUnsafe(Math.min(CHECKSUM_READ_BYTES, Math.max(1, size)));
    for (let at = 0; at < size; at += buffer.length) {
      crc = crc32(await readExactly(file, Math.min(buffer.length, size - at), at, buffer), crc);
    }
  } finally {
    await file.close();
  }
  if (crc !== expected) {
    throw new FaceshardError(
      'SNAPSHOT_CORRUPT',
      `snapshot index ${path} is damaged: its CRC32 is ${crc}, its manifest recorded ${expected}. The shard will not serve vectors it cannot trust; restore its data folder from a backup (see README, "A damaged snapshot")`,
      { path, expectedCrc32: expected, actualCrc32: crc },
    );
  }
}
