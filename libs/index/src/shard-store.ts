import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { FaceshardError, MAX_DIMENSION, NAME_PATTERN } from '@faceshard/contracts';
import type { CollectionSpec, IdentityUpsert, SearchHit, StoredIdentity } from '@faceshard/contracts';
import { AsyncMutex } from './async-mutex';
import { CollectionIndex, DEFAULT_HNSW, type HnswParams, type SearchOptions } from './collection-index';
import { DataLayout } from './data-layout';
import { acquireDataDirLock } from './data-dir-lock';
import { fsyncPath } from './durable-fs';
import { beginSnapshot, indexFileName, installSnapshot, listSnapshots, loadSnapshot, pruneSnapshots, type PendingSnapshot } from './snapshot-files';
import type { WalOp } from './wal-ops';
import { replayLog } from './wal-replay';
import { WriteAheadLog } from './write-ahead-log';

export type SnapshotPhase = 'rotated' | 'indexes-written' | 'installed';

export interface ShardStoreOptions {
  /** This shard's folder; created if missing. */
  dataDir: string;
  hnsw?: Partial<HnswParams>;
  /**
   * Take a snapshot in the background after this many logged identity changes (each upserted or
   * deleted identity counts one; creating/dropping a collection counts one). Default 50 000.
   */
  snapshotEveryOps?: number;
  /** Fault-injection points for crash tests; awaited inside snapshot(). Not for production use. */
  testHooks?: { onSnapshotPhase?: (phase: SnapshotPhase, lsn: number) => void | Promise<void> };
}

export interface CollectionStats {
  name: string;
  dimension: number;
  metric: string;
  identities: number;
  faces: number;
}

export interface RecoveryInfo {
  snapshotLsn: number;
  replayedRecords: number;
  truncatedBytes: number;
  nextLsn: number;
}

/** Time an ingest batch may hold the event loop before yielding to searches. */
const APPLY_SLICE_MS = 10;

/**
 * Everything one shard keeps for its partition: one hnswlib index per collection, identity
 * metadata, a write-ahead log and snapshots. Knows nothing about NATS or HTTP.
 *
 * Writes: validate -> append to log -> apply to memory (all under one mutex, so log order = apply
 * order) -> release the mutex -> wait for the group-committed fsync -> resolve. A write is visible
 * to searches slightly before it is durable; it is acknowledged only once durable.
 */
export class ShardStore {
  private readonly collections = new Map<string, CollectionIndex>();
  private readonly writeLock = new AsyncMutex();
  private readonly snapshotLock = new AsyncMutex();
  /** LSN of the create record of collections made by this process (recovered ones are durable already). */
  private readonly creationLsn = new Map<string, number>();
  private opsSinceSnapshot = 0;
  private snapshotLsn: number;
  private backgroundSnapshot: Promise<void> | null = null;
  private closing = false;
  /** Set when memory may no longer match the log; writes are refused from then on. */
  private failure: Error | null = null;
  /** Last failure of a background snapshot (they retry on the next trigger). */
  lastSnapshotError: Error | null = null;

  private constructor(
    private readonly layout: DataLayout,
    private readonly params: HnswParams,
    private readonly snapshotEveryOps: number,
    private readonly hooks: ShardStoreOptions['testHooks'],
    private readonly releaseLock: () => Promise<void>,
    private wal: WriteAheadLog,
    readonly recovery: RecoveryInfo,
  ) {
    this.snapshotLsn = recovery.snapshotLsn;
  }

  /** Opens (creating if needed) and recovers: newest complete snapshot, then the log after it. */
  static async open(options: ShardStoreOptions): Promise<ShardStore> {
    const layout = new DataLayout(resolve(options.dataDir));
    const params: HnswParams = { ...DEFAULT_HNSW, ...options.hnsw };
    const snapshotEveryOps = options.snapshotEveryOps ?? 50_000;
    if (!Number.isInteger(snapshotEveryOps) || snapshotEveryOps < 1) throw new FaceshardError('VALIDATION_FAILED', 'snapshotEveryOps must be a positive integer');
    await fsp.mkdir(layout.walDir, { recursive: true });
    await fsp.mkdir(layout.snapshotsDir, { recursive: true });
    await fsyncPath(layout.root); // the wal/ and snapshots/ entries themselves must survive a power cut
    const releaseLock = await acquireDataDirLock(layout.root, layout.lockFile);
    try {
      await pruneSnapshots(layout, null); // temp folders of snapshots a crash interrupted
      const installed = await listSnapshots(layout);
      const newest = installed[installed.length - 1];
      const collections = new Map<string, CollectionIndex>();
      let snapshotLsn = 0;
      if (newest !== undefined) {
        const snapshot = await loadSnapshot(layout, newest);
        snapshotLsn = snapshot.lsn;
        for (const entry of snapshot.collections) {
          collections.set(entry.spec.name, CollectionIndex.restore(entry.spec, entry.hnsw, entry.meta, params));
        }
        await pruneSnapshots(layout, newest);
      }
      const replay = replayLog(layout, snapshotLsn, (record) => applyOp(collections, record.op, params));
      const wal = await WriteAheadLog.open(layout, replay);
      await wal.deleteCoveredSegments(snapshotLsn); // left behind if a crash hit right after a snapshot
      const recovery: RecoveryInfo = {
        snapshotLsn,
        replayedRecords: replay.replayedRecords,
        truncatedBytes: replay.truncatedBytes,
        nextLsn: replay.nextLsn,
      };
      const store = new ShardStore(layout, params, snapshotEveryOps, options.testHooks, releaseLock, wal, recovery);
      for (const [name, collection] of collections) store.collections.set(name, collection);
      return store;
    } catch (error) {
      await releaseLock();
      throw error;
    }
  }

  /** Idempotent for the same spec; another dimension/metric under the same name is COLLECTION_EXISTS. */
  async ensureCollection(spec: CollectionSpec): Promise<void> {
    validateSpec(spec);
    // Fast path (the shard calls this before every upsert): no queueing behind a running batch.
    if (this.collections.has(spec.name)) return this.confirmExisting(spec);
    const lsn = await this.writeLock.run(() => {
      this.assertOpen();
      if (this.collections.has(spec.name)) return null;
      const created = this.logAndApply({ type: 'create', spec: { name: spec.name, dimension: spec.dimension, metric: spec.metric } }, 1);
      this.creationLsn.set(spec.name, created);
      return created;
    });
    if (lsn === null) return this.confirmExisting(spec);
    await this.wal.waitDurable(lsn);
  }

  /** Same spec: fine once its creation is durable. Another dimension/metric: COLLECTION_EXISTS. */
  private async confirmExisting(spec: CollectionSpec): Promise<void> {
    const existing = this.requireCollection(spec.name);
    if (existing.spec.dimension !== spec.dimension || existing.spec.metric !== spec.metric) {
      throw new FaceshardError('COLLECTION_EXISTS', `collection ${spec.name} exists with dimension ${existing.spec.dimension} and metric ${existing.spec.metric}`, {
        dimension: existing.spec.dimension,
        metric: existing.spec.metric,
      });
    }
    await this.wal.waitDurable(this.creationLsn.get(spec.name) ?? 0);
  }

  async dropCollection(name: string): Promise<boolean> {
    const result = await this.writeLock.run(() => {
      this.assertOpen();
      if (!this.collections.has(name)) return { dropped: false, lsn: this.wal.lastAppendedLsn };
      return { dropped: true, lsn: this.logAndApply({ type: 'drop', name }, 1) };
    });
    await this.wal.waitDurable(result.lsn);
    this.maybeSnapshotInBackground();
    return result.dropped;
  }

  listCollections(): CollectionSpec[] {
    return [...this.collections.values()].map((c) => ({ ...c.spec }));
  }

  /** Resolves once the change is fsynced. `faces` counts face vectors written. */
  async upsert(collection: string, identities: IdentityUpsert[]): Promise<{ upserted: number; faces: number }> {
    const lsn = await this.writeLock.run(async () => {
      this.assertOpen();
      const target = this.requireCollection(collection);
      const prepared = target.prepareUpsert(identities); // throws before anything is logged
      if (prepared.length === 0) return this.wal.lastAppendedLsn;
      const appended = this.wal.append({ type: 'upsert', collection, identities });
      this.opsSinceSnapshot += prepared.length;
      // Apply in time slices so a 1000-identity batch does not stall searches; the mutex keeps
      // other writers (and snapshot capture) out until the whole batch is in memory.
      let sliceStart = performance.now();
      for (let i = 0; i < prepared.length; i++) {
        this.applyOrFail(() => target.applyIdentity(prepared[i]));
        if (performance.now() - sliceStart > APPLY_SLICE_MS && i + 1 < prepared.length) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
      return appended;
    });
    await this.wal.waitDurable(lsn);
    this.maybeSnapshotInBackground();
    return { upserted: identities.length, faces: identities.reduce((sum, identity) => sum + identity.faces.length, 0) };
  }

  /** Resolves once the deletion is fsynced; returns how many of the identities existed. */
  async deleteIdentities(collection: string, identityIds: string[]): Promise<number> {
    if (!Array.isArray(identityIds) || identityIds.some((id) => typeof id !== 'string')) {
      throw new FaceshardError('VALIDATION_FAILED', 'identityIds must be an array of strings');
    }
    const result = await this.writeLock.run(() => {
      this.assertOpen();
      const target = this.requireCollection(collection);
      const present = [...new Set(identityIds)].filter((id) => target.has(id));
      if (present.length === 0) return { deleted: 0, lsn: this.wal.lastAppendedLsn };
      return { deleted: present.length, lsn: this.logAndApply({ type: 'delete', collection, identityIds: present }, present.length) };
    });
    await this.wal.waitDurable(result.lsn);
    this.maybeSnapshotInBackground();
    return result.deleted;
  }

  getIdentity(collection: string, identityId: string): StoredIdentity | null {
    return this.requireCollection(collection).get(identityId);
  }

  /** Ids of every identity in the collection (insertion order). */
  identityIds(collection: string): string[] {
    return this.requireCollection(collection).identityIds();
  }

  /** An identity with its vectors, as an upsert that recreates it (for moving partitions between shards). */
  exportIdentity(collection: string, identityId: string): IdentityUpsert | null {
    return this.requireCollection(collection).exportIdentity(identityId);
  }

  /** k distinct identities, best face each, score descending (ties: identityId ascending). */
  search(collection: string, query: Float32Array, k: number, options?: SearchOptions): SearchHit[] {
    return this.requireCollection(collection).search(query, k, options);
  }

  stats(): CollectionStats[] {
    return [...this.collections.values()].map((c) => ({
      name: c.spec.name,
      dimension: c.spec.dimension,
      metric: c.spec.metric,
      identities: c.identityCount,
      faces: c.faceCount,
    }));
  }

  /** Internal counts per collection, for consistency checks. */
  debugCounts(collection: string): ReturnType<CollectionIndex['debugCounts']> {
    return this.requireCollection(collection).debugCounts();
  }

  /** fsyncs the log has done (group commit makes this much smaller than the number of writes). */
  get logFsyncCount(): number {
    return this.wal.fsyncCount;
  }

  /** Segment first-LSNs currently on disk. */
  logSegments(): number[] {
    return this.wal.segmentStarts();
  }

  get lastSnapshotLsn(): number {
    return this.snapshotLsn;
  }

  /**
   * Writes a snapshot of everything logged so far, then drops the log segments it covers.
   * Writers wait while the hnswlib indexes are written (they must not change mid-write);
   * searches keep running. Calls are serialised.
   */
  snapshot(): Promise<void> {
    return this.snapshotLock.run(() => this.takeSnapshot());
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.backgroundSnapshot) await this.backgroundSnapshot;
    await this.snapshotLock.run(() => undefined);
    await this.writeLock.run(() => this.wal.close());
    await this.releaseLock();
  }

  private async takeSnapshot(): Promise<void> {
    this.assertOpen();
    let pending: PendingSnapshot | null = null;
    await this.writeLock.run(async () => {
      await this.wal.flushAll();
      const lsn = this.wal.lastAppendedLsn;
      if (lsn === this.snapshotLsn) return; // nothing new since the last one
      await this.wal.rotate(); // records after the snapshot go to a segment of their own
      await this.hooks?.onSnapshotPhase?.('rotated', lsn);
      const tempDir = await beginSnapshot(this.layout, lsn);
      const collections: PendingSnapshot['collections'] = [];
      for (const collection of this.collections.values()) {
        const indexFile = indexFileName(collections.length);
        const written = await collection.writeIndex(join(tempDir, indexFile));
        collections.push({ spec: { ...collection.spec }, indexFile: written ? indexFile : null, meta: collection.meta() });
      }
      this.opsSinceSnapshot = 0;
      pending = { lsn, tempDir, collections };
    });
    if (!pending) return;
    const captured: PendingSnapshot = pending;
    await this.hooks?.onSnapshotPhase?.('indexes-written', captured.lsn);
    await installSnapshot(this.layout, captured);
    this.snapshotLsn = captured.lsn;
    await this.hooks?.onSnapshotPhase?.('installed', captured.lsn);
    await this.wal.deleteCoveredSegments(captured.lsn);
    await pruneSnapshots(this.layout, captured.lsn);
  }

  private maybeSnapshotInBackground(): void {
    if (this.opsSinceSnapshot < this.snapshotEveryOps || this.backgroundSnapshot || this.closing) return;
    this.backgroundSnapshot = this.snapshot()
      .then(() => {
        this.lastSnapshotError = null;
      })
      .catch((error: unknown) => {
        this.lastSnapshotError = error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => {
        this.backgroundSnapshot = null;
      });
  }

  /** Appends then applies (under the write lock). Returns the record's LSN. */
  private logAndApply(op: WalOp, ops: number): number {
    const lsn = this.wal.append(op);
    this.opsSinceSnapshot += ops;
    this.applyOrFail(() => applyOp(this.collections, op, this.params));
    return lsn;
  }

  /**
   * Inputs are validated before logging, so applying should not fail. If it does anyway (hnswlib
   * out of memory, a bug), memory no longer matches the log: refuse further writes; a reopen
   * rebuilds a consistent state from disk.
   */
  private applyOrFail(apply: () => void): void {
    try {
      apply();
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      throw new FaceshardError('INTERNAL', `applying a logged change failed; store needs reopening: ${this.failure.message}`);
    }
  }

  private requireCollection(name: string): CollectionIndex {
    const collection = this.collections.get(name);
    if (!collection) throw new FaceshardError('COLLECTION_NOT_FOUND', `collection ${String(name)} does not exist on this shard`);
    return collection;
  }

  private assertOpen(): void {
    if (this.failure) throw new FaceshardError('INTERNAL', `shard store stopped accepting writes: ${this.failure.message}`);
    if (this.closing) throw new FaceshardError('SHARD_UNAVAILABLE', 'shard store is closing');
  }
}

function validateSpec(spec: CollectionSpec): void {
  if (!spec || typeof spec.name !== 'string' || !NAME_PATTERN.test(spec.name)) {
    throw new FaceshardError('VALIDATION_FAILED', 'collection name is not valid');
  }
  if (!Number.isInteger(spec.dimension) || spec.dimension < 1 || spec.dimension > MAX_DIMENSION) {
    throw new FaceshardError('VALIDATION_FAILED', `dimension must be an integer in 1..${MAX_DIMENSION}`);
  }
  if (spec.metric !== 'cosine' && spec.metric !== 'ip') throw new FaceshardError('VALIDATION_FAILED', "metric must be 'cosine' or 'ip'");
}

/** The one place state changes: used live (after logging) and by recovery (replaying the log). */
function applyOp(collections: Map<string, CollectionIndex>, op: WalOp, params: HnswParams): void {
  switch (op.type) {
    case 'create':
      if (collections.has(op.spec.name)) throw new Error(`log creates existing collection ${op.spec.name}`);
      collections.set(op.spec.name, CollectionIndex.create(op.spec, params));
      return;
    case 'drop':
      collections.delete(op.name);
      return;
    case 'upsert': {
      const collection = collections.get(op.collection);
      if (!collection) throw new Error(`log upserts into missing collection ${op.collection}`);
      for (const prepared of collection.prepareUpsert(op.identities)) collection.applyIdentity(prepared);
      return;
    }
    case 'delete': {
      const collection = collections.get(op.collection);
      if (!collection) throw new Error(`log deletes from missing collection ${op.collection}`);
      collection.applyDelete(op.identityIds);
      return;
    }
  }
}
