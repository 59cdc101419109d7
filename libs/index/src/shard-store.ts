import { resolve } from 'node:path';
import type { IndexMetricsSink } from './index-metrics';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { FaceshardError, MAX_DIMENSION, NAME_PATTERN } from '@faceshard/contracts';
import type { CollectionSpec, IdentityUpsert, SearchHit, StoredIdentity, VersionedIdentity } from '@faceshard/contracts';
import { applyOp, generationOf } from './apply-op';
import { AsyncMutex } from './async-mutex';
import { CollectionIndex, DEFAULT_HNSW, type HnswParams, type SearchOptions } from './collection-index';
import { DataLayout } from './data-layout';
import { acquireDataDirLock } from './data-dir-lock';
import { mkdirDurable } from './durable-fs';
import { beginSnapshot, installSnapshot, listSnapshots, loadSnapshot, makeCollectionDurable, pruneSnapshots, snapshotIndexFile, writeCollectionFiles, type PendingSnapshot } from './snapshot-files';
import { incomingWins, VersionClock, type VersionStamp } from './version-order';
import type { WalOp } from './wal-ops';
import { isCollectionWalOp, prepareCollectionOp } from './collection-op';
import { SnapshotOverlay, type CollectionReads } from './snapshot-overlay';
import { nodeStoreFs, type StoreFs } from './store-fs';
import type { ReplayOptions, SalvageReport } from './wal-replay';
import { loadDurableState, type DurableState } from './load-durable-state';
import { pauseAfterReload, RELOAD_PAUSE_MS, storageStateOf, type StorageState } from './reload-pause';
import { WriteAheadLog } from './write-ahead-log';
import { GraphUpkeep } from './integrity/graph-upkeep';
import { DEFAULT_IDLE_SNAPSHOT_RULE } from './integrity/idle-snapshot-rule';
import { pinnableFaces, reachabilitySlices } from './integrity/pinnable-faces';
import { reachabilityOfIndexFile } from './integrity/snapshot-graph';
import type { ShardIntegrityReport } from './integrity/integrity-report';
import { readTruth } from './integrity/read-truth';
import { runIntegrityCheck, type IntegrityCheckOptions } from './integrity/run-integrity-check';

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
  /**
   * Open a damaged log anyway (operators: env WAL_SALVAGE=1): keep the records before the first
   * damage, move the rest to <dataDir>/salvage/ and log loudly what was dropped. Off by default:
   * damage other than a torn tail makes open fail with WAL_CORRUPT.
   */
  walSalvage?: boolean;
  /** Where loud recovery reports go (salvage). Default: stderr. */
  log?: (line: string) => void;
  /** File system the store uses (tests pass a fault-injecting one). Default: the real one. */
  fs?: StoreFs;
  /**
   * Look for faces the HNSW graph cut off this long after writes to a collection pause (and at
   * open), and pin them; 0 turns it off. Default 1000 ms. See integrity/graph-upkeep.ts.
   */
  graphUpkeepIdleMs?: number;
  /**
   * Take a snapshot once writes have paused this long and faces were written since the newest one,
   * so that the graph upkeep (which reads snapshots, never takes its own) checks the last faces
   * written too; at most 10% of the time goes to such snapshots. 0 turns it off. Default 30,000 ms.
   * See integrity/idle-snapshot-rule.ts.
   */
  graphUpkeepIdleSnapshotMs?: number;
  /** Where WAL fsync and snapshot times go (the shard's metrics); default: nowhere. */
  metrics?: IndexMetricsSink;
  /**
   * Changes (per identity) a collection frozen by a snapshot may hold beside it before writers
   * wait for its thaw (see snapshot-overlay.ts). Default 5000.
   */
  maxHeldChanges?: number;
  /** Fault-injection points for crash tests; awaited inside snapshot(). Not for production use. */
  testHooks?: {
    onSnapshotPhase?: (phase: SnapshotPhase, lsn: number) => void | Promise<void>;
    /** Cut-off labels the graph upkeep pins per turn of the writers' lock (default PIN_SLICE_LABELS). */
    pinSliceLabels?: number;
  };
}

/** Options of a write: which generation it is for, and a check run under the write lock. */
export interface WriteOptions {
  /**
   * The generation the caller knows the collection by: a different one on this shard is
   * COLLECTION_NOT_FOUND (the caller's collection was deleted, or this one is a ghost of an older
   * one). Absent: whatever generation is here.
   */
  generation?: number;
  /**
   * Runs under the write lock before anything is validated or logged, with the ids written; throwing
   * refuses the whole write. The shard checks ring ownership here, so a ring adopted between the
   * check and the write cannot slip in (ring changes wait for writeBarrier()).
   */
  guard?: (identityIds: string[]) => void;
}

export interface CollectionStats {
  name: string;
  dimension: number;
  metric: string;
  identities: number;
  faces: number;
  /** Faces brought back by unmarkDelete (their own deleted node) instead of inserted, since this process opened the store. */
  revivedFaces: number;
}

export interface RecoveryInfo {
  snapshotLsn: number;
  replayedRecords: number;
  truncatedBytes: number;
  nextLsn: number;
  /** Set when a salvage open cut damaged log records (see ShardStoreOptions.walSalvage). */
  salvaged: SalvageReport | null;
}

/** Whether the store takes writes (see ShardStore.storageStatus). */
export interface StorageStatus {
  state: StorageState;
  /** Why writes are refused (absent when ok). */
  detail?: string;
  /** Reloads from disk after a failed write, since the store was opened. */
  reloads: number;
}

/** While reloading in place, the log replay yields to the event loop after this long (ms). */
const RELOAD_REPLAY_SLICE_MS = 10;
/** Time an ingest batch may hold the event loop before yielding to searches. */
const APPLY_SLICE_MS = 10;
/**
 * The same for versioned copies (a move's chunks, copies of writes made during a move). A move
 * applies chunk after chunk without pause for tens of seconds, and a shard receiving a leaver's
 * identities keeps serving searches: a search that arrives waits for the slice to end (it is not
 * even read off the socket). With 10 ms slices, bench:rebalance's search p50 during a leave was
 * 12.9 ms against 2.5 ms without (p99 4x); with 2 ms, 3.9-5.6 ms (1.5-3.3 without); with 0.5 ms,
 * 2.5-2.8 ms (bench/rebalance/README.md). A leave's
 * receiver inserts into a graph that already holds half the collection (~0.8 ms an insert at
 * 100k), so 2 ms slices were ~3 inserts; 0.5 ms ends a slice after every insert there (and after
 * every second one or so in a small graph). A yield costs microseconds next to an insert.
 */
const VERSIONED_APPLY_SLICE_MS = 0.5;
/**
 * Time applying the changes queued during a freeze may hold the writers' lock (and the loop) at a
 * stretch. Not 5 ms: beside the snapshot's other threads on 2 cores a 5 ms slice of HNSW inserts
 * held the loop for up to 15 ms (1M bench, profiled); with 2 ms the loop's p99 gap during a 1M
 * snapshot was 5.0-5.5 ms against 6.0-6.8 (bench/store/README.md). The thaw still ends: each
 * write meanwhile applies twice what it adds (snapshot-overlay.ts).
 */
const THAW_SLICE_MS = 2;
/** Changes (per identity) a frozen collection holds beside it before writers wait for its thaw. */
const DEFAULT_MAX_HELD_CHANGES = 5000;
/** Cut-off faces pinned per turn of the writers' lock, one event-loop turn each (~40 µs a face: ~2.5 ms a turn). */
const PIN_SLICE_LABELS = 64;

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
  /** Collections frozen for a snapshot (or a look at the graph), with the changes made meanwhile: see snapshot-overlay.ts. */
  private readonly overlays = new Map<CollectionIndex, SnapshotOverlay>();
  /** Highest dropped generation per name: writes for it (or older) are refused. */
  private readonly dropped = new Map<string, number>();
  private readonly clock = new VersionClock();
  private readonly writeLock = new AsyncMutex();
  private readonly snapshotLock = new AsyncMutex();
  /** LSN of the create record of collections made by this process (recovered ones are durable already). */
  private readonly creationLsn = new Map<string, number>();
  private opsSinceSnapshot = 0;
  private maxHeldChanges = DEFAULT_MAX_HELD_CHANGES;
  private snapshotLsn: number;
  private backgroundSnapshot: Promise<void> | null = null;
  private closing = false;
  /** Set when memory may no longer match the log; writes are refused until the store reloaded from disk. */
  private failure: Error | null = null;
  /** The reload from disk under way (see failed()), or the timer that starts the next one. */
  private reloading: Promise<void> | null = null;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private reloads = 0;
  /** Reloads since the last durable write: writes failing again right after a reload pause for longer. */
  private reloadsInARow = 0;
  private writesPausedUntil = -Infinity;
  private pauseReason = '';
  private pauseCode: 'STORAGE_FULL' | 'SHARD_UNAVAILABLE' = 'SHARD_UNAVAILABLE';
  /** Last failure of a background snapshot (they retry on the next trigger). */
  lastSnapshotError: Error | null = null;
  private readonly graphUpkeep: GraphUpkeep;
  /** Reports what maintenance did (pins, repairs): one JSON line through options.log, default stderr. */
  private readonly log: (message: string, details: Record<string, unknown>) => void;

  private constructor(
    private readonly fs: StoreFs,
    private readonly layout: DataLayout,
    private readonly params: HnswParams,
    private readonly snapshotEveryOps: number,
    private readonly hooks: ShardStoreOptions['testHooks'],
    private readonly releaseLock: () => Promise<void>,
    private wal: WriteAheadLog,
    readonly recovery: RecoveryInfo,
    upkeepIdleMs: number,
    log: ShardStoreOptions['log'],
    idleSnapshotMs: number,
    private readonly replayOptions: ReplayOptions,
  ) {
    this.snapshotLsn = recovery.snapshotLsn;
    const line = log ?? ((text: string) => process.stderr.write(`${text}\n`));
    this.log = (message, details) => line(JSON.stringify({ event: 'store', message, ...details }));
    this.graphUpkeep = new GraphUpkeep(
      upkeepIdleMs,
      async (name) => {
        const { pinned, snapshotLsn } = await this.checkNewestSnapshot(name);
        if (pinned > 0) this.log('pinned faces the HNSW graph cut off (searches score them exactly)', { collection: name, faces: pinned, snapshotLsn });
        return snapshotLsn;
      },
      (name) => this.collections.get(name)?.faceCount ?? 0,
      (name, error) => this.log('graph upkeep failed', { collection: name, error: String(error) }),
      () => this.snapshotInBackground(),
      { ...DEFAULT_IDLE_SNAPSHOT_RULE, afterMs: idleSnapshotMs },
    );
  }

  /** Opens (creating if needed) and recovers: newest complete snapshot, then the log after it. */
  static async open(options: ShardStoreOptions): Promise<ShardStore> {
    const layout = new DataLayout(resolve(options.dataDir));
    const params: HnswParams = { ...DEFAULT_HNSW, ...options.hnsw };
    const snapshotEveryOps = options.snapshotEveryOps ?? 50_000;
    if (!Number.isInteger(snapshotEveryOps) || snapshotEveryOps < 1) throw new FaceshardError('VALIDATION_FAILED', 'snapshotEveryOps must be a positive integer');
    const fs = options.fs ?? nodeStoreFs;
    // The wal/ and snapshots/ entries themselves (and a new data folder's) must survive a power cut.
    await mkdirDurable(fs, layout.walDir);
    await mkdirDurable(fs, layout.snapshotsDir);
    const releaseLock = await acquireDataDirLock(fs, layout.root, layout.lockFile);
    try {
      const replayOptions = { salvage: options.walSalvage ?? false, log: options.log ?? ((line: string) => process.stderr.write(`${line}\n`)) };
      const { catalog, snapshotLsn, replay } = await loadDurableState(fs, layout, params, replayOptions);
      const wal = await WriteAheadLog.open(fs, layout, replay);
      if (options.metrics) wal.metrics = options.metrics;
      await wal.deleteCoveredSegments(snapshotLsn); // left behind if a crash hit right after a snapshot
      const recovery: RecoveryInfo = {
        snapshotLsn,
        replayedRecords: replay.replayedRecords,
        truncatedBytes: replay.truncatedBytes,
        nextLsn: replay.nextLsn,
        salvaged: replay.salvaged,
      };
      const store = new ShardStore(fs, layout, params, snapshotEveryOps, options.testHooks, releaseLock, wal, recovery, options.graphUpkeepIdleMs ?? 1000, options.log, options.graphUpkeepIdleSnapshotMs ?? DEFAULT_IDLE_SNAPSHOT_RULE.afterMs, replayOptions);
      if (options.maxHeldChanges !== undefined) {
        if (!Number.isInteger(options.maxHeldChanges) || options.maxHeldChanges < 1) throw new FaceshardError('VALIDATION_FAILED', 'maxHeldChanges must be a positive integer');
        store.maxHeldChanges = options.maxHeldChanges;
      }
      store.adopt({ catalog, snapshotLsn, replay });
      return store;
    } catch (error) {
      await releaseLock();
      throw error;
    }
  }

  /**
   * Takes the state read from disk as this store's memory: at open, and when reloading in place
   * after a failed write (the caller then holds both locks, so nothing is frozen or being written).
   */
  private adopt({ catalog, snapshotLsn, replay }: DurableState): void {
    this.collections.clear();
    this.dropped.clear();
    this.overlays.clear();
    this.creationLsn.clear();
    this.snapshotLsn = snapshotLsn;
    this.graphUpkeep.snapshotInstalled(snapshotLsn);
    for (const [name, collection] of catalog.collections) {
      this.collections.set(name, collection);
      this.clock.observe(collection.maxVersion); // the clock only moves forward: versions stay monotonic
      // A graph from before this process may hold cut-off faces: the snapshot's is checked once
      // writes pause, what the log replayed on top of it after the next snapshot.
      this.graphUpkeep.noteWrites(name, collection.faceCount, snapshotLsn);
      if (replay.nextLsn - 1 > snapshotLsn) this.graphUpkeep.noteWrites(name, collection.faceCount, replay.nextLsn - 1);
    }
    for (const [name, generation] of catalog.dropped) this.dropped.set(name, generation);
  }

  /**
   * Whether writes go: `ok`; `reloading` from disk after a failed write; `paused` (writes failed
   * again right after a reload, e.g. a disk still full: writes wait a while before they try the
   * disk again); `failed` (a reload failed; it is retried). `reloads`: done since open.
   */
  storageStatus(): StorageStatus {
    const failure = this.failure ?? this.wal.failed; // the log may have failed before any caller noticed
    const state = storageStateOf({ reloading: this.reloading !== null, failed: failure !== null, pausedUntil: this.writesPausedUntil, now: performance.now() });
    const detail = failure?.message ?? (state === 'paused' ? this.pauseReason : undefined);
    return { state, ...(detail ? { detail } : {}), reloads: this.reloads };
  }

  /**
   * A write failed in the log (or applying a logged change failed). Memory may then hold changes
   * that never reached the disk — a write is applied before its group fsync — and searches and
   * gets would go on returning them, then lose them at the next restart. So the store reloads its
   * state from disk in place at once, as a restart would, without one: memory is the log again,
   * and writes go again. Writes are refused (retryable) until then. When writes fail again before
   * one became durable (a disk that stays full), each reload pauses writes for longer
   * (RELOAD_PAUSE_MS, doubling up to RELOAD_PAUSE_MAX_MS) instead of reloading on every write.
   */
  private failed(error: unknown): void {
    this.failure ??= error instanceof Error ? error : new Error(String(error));
    this.scheduleReload(0);
  }

  private scheduleReload(afterMs: number): void {
    if (this.reloading || this.reloadTimer || this.closing) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      void this.reloadFromDisk();
    }, afterMs);
    this.reloadTimer.unref?.();
  }

  private reloadFromDisk(): Promise<void> {
    this.reloadsInARow++;
    const run = this.snapshotLock.run(() =>
      this.writeLock.run(async () => {
        const failure = this.failure;
        if (this.closing || !failure) return;
        // A failed log is cut back to its last fsync (what was not acknowledged does not come back);
        // a healthy one (applying failed) is flushed: its records are the truth memory missed.
        if (this.wal.failed) {
          const cut = await this.wal.cutToDurableAndClose().then(
            () => null,
            (error: unknown) => error,
          );
          if (cut !== null) {
            // The disk refuses even the cut (EIO, EROFS): memory at least drops what was never
            // acknowledged (the acknowledged records only), while writes stay refused; the next
            // attempt cuts and reloads for real.
            await this.dropUnacknowledgedFromMemory(failure);
            throw cut;
          }
        } else await this.wal.close();
        // Reads and heartbeats go on meanwhile (on the old state): the replay gives the event loop turns.
        const state = await loadDurableState(this.fs, this.layout, this.params, { ...this.replayOptions, yieldEveryMs: RELOAD_REPLAY_SLICE_MS });
        const wal = await WriteAheadLog.open(this.fs, this.layout, state.replay);
        wal.metrics = this.wal.metrics;
        this.wal = wal;
        this.adopt(state);
        this.opsSinceSnapshot = state.replay.replayedRecords;
        this.failure = null;
        this.reloads++;
        const pauseMs = pauseAfterReload(this.reloadsInARow);
        this.writesPausedUntil = performance.now() + pauseMs;
        this.pauseReason = failure.message;
        this.pauseCode = refusalCodeOf(failure);
        this.log('reloaded from disk after a failed write: memory holds what the log holds again', {
          failure: failure.message,
          snapshotLsn: state.snapshotLsn,
          nextLsn: state.replay.nextLsn,
          truncatedBytes: state.replay.truncatedBytes,
          writesPausedMs: pauseMs,
        });
      }),
    );
    this.reloading = run
      .catch((error: unknown) => {
        this.log('reloading from disk after a failed write failed; retrying', { error: String(error) });
      })
      .finally(() => {
        this.reloading = null;
        if (this.failure) this.scheduleReload(Math.max(RELOAD_PAUSE_MS, pauseAfterReload(this.reloadsInARow)));
      });
    return this.reloading;
  }

  /**
   * Memory as the disk's acknowledged records say, reading only (no cut, no new log, a torn tail
   * left in place): for a reload whose cut failed.
   */
  private async dropUnacknowledgedFromMemory(failure: Error): Promise<void> {
    const acknowledged = this.wal.lastDurableLsn;
    const state = await loadDurableState(this.fs, this.layout, this.params, { ...this.replayOptions, yieldEveryMs: RELOAD_REPLAY_SLICE_MS, readOnly: true }, acknowledged);
    this.adopt(state);
    this.log('could not cut the failed log; memory holds its acknowledged records only, writes stay refused', { failure: failure.message, acknowledgedLsn: acknowledged });
  }

  /** Waits for a write's log record to be durable; a failed log makes the store reload. */
  private async durable(lsn: number): Promise<void> {
    try {
      await this.wal.waitDurable(lsn);
    } catch (error) {
      if (this.wal.failed) this.failed(this.wal.failed);
      throw error;
    }
    // Only a round of records written and synced by this log says the disk takes writes again (a
    // wait for a record durable long ago, as every upsert's collection check makes, says nothing).
    if (this.wal.fsyncCount > 0) this.reloadsInARow = 0;
  }

  /**
   * Idempotent for the same spec; another dimension/metric under the same name and generation is
   * COLLECTION_EXISTS. Generations (see CollectionSpec.generation): a dropped generation, or one
   * older than the collection held, is COLLECTION_NOT_FOUND; a newer one replaces the collection
   * held (its data belongs to a deleted collection that this shard missed the drop of).
   */
  async ensureCollection(spec: CollectionSpec): Promise<void> {
    validateSpec(spec);
    // Fast path (the shard calls this before every upsert): no queueing behind a running batch.
    const held = this.collections.get(spec.name);
    if (held && generationOf(held) === (spec.generation ?? 0)) return this.confirmExisting(spec);
    this.refuseWritesWhileFailed();
    const lsn = await this.writeLock.run(() => {
      this.assertOpen();
      this.refuseDroppedGeneration(spec);
      const existing = this.collections.get(spec.name);
      if (existing) {
        const generation = spec.generation ?? 0;
        if (generationOf(existing) === generation) return null;
        if (generationOf(existing) > generation) throw collectionGone(spec.name, generation);
        this.logAndApply({ type: 'drop', name: spec.name, generation: generationOf(existing) }, 1);
      }
      const created = this.logAndApply({ type: 'create', spec: cleanSpec(spec) }, 1);
      this.creationLsn.set(spec.name, created);
      return created;
    });
    if (lsn === null) return this.confirmExisting(spec);
    await this.durable(lsn);
  }

  /** Same spec: fine once its creation is durable. Another dimension/metric: COLLECTION_EXISTS. */
  private async confirmExisting(spec: CollectionSpec): Promise<void> {
    const existing = this.requireCollection(spec.name, spec.generation ?? 0);
    if (existing.spec.dimension !== spec.dimension || existing.spec.metric !== spec.metric) {
      throw new FaceshardError('COLLECTION_EXISTS', `collection ${spec.name} exists with dimension ${existing.spec.dimension} and metric ${existing.spec.metric}`, {
        dimension: existing.spec.dimension,
        metric: existing.spec.metric,
      });
    }
    await this.durable(this.creationLsn.get(spec.name) ?? 0);
  }

  /**
   * Drops the collection's data if its generation is `generation` or older (any, if absent) and
   * remembers `generation` as dropped, durably, even when nothing was here: a write for it that
   * arrives later (from a gateway still caching the spec) must not create it again. True if data
   * was dropped.
   */
  async dropCollection(name: string, generation?: number): Promise<boolean> {
    if (generation !== undefined && !isGeneration(generation)) throw new FaceshardError('VALIDATION_FAILED', 'generation must be a non-negative safe integer');
    this.refuseWritesWhileFailed();
    const result = await this.writeLock.run(() => {
      this.assertOpen();
      const existing = this.collections.get(name);
      const drops = existing !== undefined && (generation === undefined || generationOf(existing) <= generation);
      // A collection made before generations (0) is remembered by the generation it had, if any.
      const mark = generation ?? (existing ? generationOf(existing) : 0);
      const remembers = mark > (this.dropped.get(name) ?? 0);
      if (!drops && !remembers) return { dropped: false, lsn: this.wal.lastAppendedLsn };
      return { dropped: drops, lsn: this.logAndApply({ type: 'drop', name, generation: mark }, 1) };
    });
    await this.durable(result.lsn);
    this.maybeSnapshotInBackground();
    return result.dropped;
  }

  /** The highest generation of `name` dropped here (0: none). */
  droppedGeneration(name: string): number {
    return this.dropped.get(name) ?? 0;
  }

  /** Whether the collection is here, of that generation if one is given. */
  hasCollection(name: string, generation?: number): boolean {
    const collection = this.collections.get(name);
    return collection !== undefined && (generation === undefined || generationOf(collection) === generation);
  }

  listCollections(): CollectionSpec[] {
    return [...this.collections.values()].map((c) => ({ ...c.spec }));
  }

  /**
   * Resolves once the change is fsynced. `faces` counts face vectors written. Each identity gets a
   * new version, higher than its current version or tombstone (see VersionClock).
   */
  async upsert(collection: string, identities: IdentityUpsert[], options: WriteOptions = {}): Promise<{ upserted: number; faces: number }> {
    this.refuseWritesWhileFailed();
    const lsn = await this.writeLock.run(async () => {
      this.assertOpen();
      const target = this.requireCollection(collection, options.generation);
      await this.roomToHold(target);
      if (Array.isArray(identities)) options.guard?.(identities.map((identity) => identity?.identityId));
      const prepared = target.prepareUpsert(identities); // throws before anything is logged
      if (prepared.length === 0) return this.wal.lastAppendedLsn;
      const versions = this.assignVersions(this.reads(target), prepared.map((p) => p.identityId));
      const appended = this.wal.append({ type: 'upsert', collection, identities, versions });
      this.opsSinceSnapshot += prepared.length;
      const overlay = this.overlays.get(target);
      if (overlay) {
        this.applyOrFail(() => overlay.defer({ type: 'upsert', prepared, versions }));
        return appended;
      }
      // Apply in time slices so a 1000-identity batch does not stall searches; the mutex keeps
      // other writers (and snapshot capture) out until the whole batch is in memory.
      let sliceStart = performance.now();
      for (let i = 0; i < prepared.length; i++) {
        this.applyOrFail(() => target.applyIdentity(prepared[i], versions[i]));
        if (performance.now() - sliceStart > APPLY_SLICE_MS && i + 1 < prepared.length) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
      return appended;
    });
    await this.durable(lsn);
    this.maybeSnapshotInBackground();
    const faces = identities.reduce((sum, identity) => sum + identity.faces.length, 0);
    this.graphUpkeep.noteWrites(collection, faces, lsn);
    return { upserted: identities.length, faces };
  }

  /**
   * Resolves once the deletion is fsynced; returns how many of the identities existed. Each
   * deleted id keeps a tombstone with a new version, so an older copy of it (streamed by a move,
   * or a replica catching up) can never bring it back. `tombstoneAbsent` also stamps ids that
   * are not here (a copy may still be on its way to this shard).
   */
  async deleteIdentities(collection: string, identityIds: string[], options: WriteOptions & { tombstoneAbsent?: boolean } = {}): Promise<number> {
    if (!Array.isArray(identityIds) || identityIds.some((id) => typeof id !== 'string')) {
      throw new FaceshardError('VALIDATION_FAILED', 'identityIds must be an array of strings');
    }
    this.refuseWritesWhileFailed();
    const result = await this.writeLock.run(async () => {
      this.assertOpen();
      const target = this.requireCollection(collection, options.generation);
      await this.roomToHold(target);
      options.guard?.(identityIds);
      const unique = [...new Set(identityIds)];
      const reads = this.reads(target);
      const present = unique.filter((id) => reads.has(id));
      const stamped = options.tombstoneAbsent ? unique.filter((id) => NAME_PATTERN.test(id)) : present;
      if (stamped.length === 0) return { deleted: 0, lsn: this.wal.lastAppendedLsn };
      const versions = this.assignVersions(reads, stamped);
      return { deleted: present.length, lsn: this.logAndApply({ type: 'delete', collection, identityIds: stamped, versions }, stamped.length) };
    });
    await this.durable(result.lsn);
    this.maybeSnapshotInBackground();
    return result.deleted;
  }

  /**
   * The receiver side of a move or a replica catch-up: each entry (a whole identity or a
   * tombstone, with the version its owner gave it) is kept only if it is newer than what this
   * shard holds, so applying copies in any order, any number of times, converges on the newest
   * version of each identity. Only the entries that win are logged. Resolves once durable.
   */
  async applyVersioned(collection: string, entries: VersionedIdentity[], options: WriteOptions = {}): Promise<{ applied: number; skipped: number }> {
    this.refuseWritesWhileFailed();
    const result = await this.writeLock.run(async () => {
      this.assertOpen();
      const target = this.requireCollection(collection, options.generation);
      await this.roomToHold(target);
      if (Array.isArray(entries)) options.guard?.(entries.map((entry) => entry?.identityId));
      const prepared = target.prepareVersioned(entries); // validates the whole chunk before logging
      // Decide now which entries win (duplicates within the chunk: against the earlier winner).
      const decided = new Map<string, VersionStamp>();
      const winners: VersionedIdentity[] = [];
      const reads = this.reads(target);
      const winning = prepared.filter((entry, i) => {
        const held = decided.get(entry.identityId) ?? reads.stampOf(entry.identityId);
        if (!incomingWins(held, entry)) return false;
        decided.set(entry.identityId, { version: entry.version, deleted: entry.deleted });
        winners.push(entries[i]);
        return true;
      });
      if (winning.length === 0) return { applied: 0, skipped: prepared.length, lsn: this.wal.lastAppendedLsn, faces: 0 };
      const faces = winners.reduce((sum, entry) => sum + (entry.deleted ? 0 : entry.faces.length), 0);
      const lsn = this.wal.append({ type: 'apply', collection, entries: winners });
      this.opsSinceSnapshot += winning.length;
      const overlay = this.overlays.get(target);
      if (overlay) {
        this.applyOrFail(() => overlay.defer({ type: 'apply', prepared: winning }));
        for (const entry of winning) this.clock.observe(entry.version);
        return { applied: winning.length, skipped: prepared.length - winning.length, lsn, faces };
      }
      let sliceStart = performance.now();
      for (let i = 0; i < winning.length; i++) {
        this.applyOrFail(() => target.applyVersioned(winning[i]));
        this.clock.observe(winning[i].version);
        if (performance.now() - sliceStart > VERSIONED_APPLY_SLICE_MS && i + 1 < winning.length) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
      return { applied: winning.length, skipped: prepared.length - winning.length, lsn, faces };
    });
    await this.durable(result.lsn);
    this.maybeSnapshotInBackground();
    // Faces a move brings are inserted like any others, so hnswlib's pruning can cut them off too.
    this.graphUpkeep.noteWrites(collection, result.faces, result.lsn);
    return { applied: result.applied, skipped: result.skipped };
  }

  /**
   * Forgets tombstones (explicitly: once every copy agrees the ids are deleted). Returns how many
   * existed. With `upToVersions` (parallel to identityIds), a tombstone goes only if its version is
   * at most that one: a delete made after the caller decided keeps its newer tombstone.
   */
  async purgeTombstones(collection: string, identityIds: string[], options: Pick<WriteOptions, 'generation'> & { upToVersions?: number[] } = {}): Promise<number> {
    if (!Array.isArray(identityIds) || identityIds.some((id) => typeof id !== 'string')) {
      throw new FaceshardError('VALIDATION_FAILED', 'identityIds must be an array of strings');
    }
    const limits = options.upToVersions;
    if (limits !== undefined && (!Array.isArray(limits) || limits.length !== identityIds.length)) {
      throw new FaceshardError('VALIDATION_FAILED', 'upToVersions must have one version per identity id');
    }
    const limitOf = new Map(limits ? identityIds.map((id, i) => [id, limits[i]]) : []);
    this.refuseWritesWhileFailed();
    const result = await this.writeLock.run(async () => {
      this.assertOpen();
      const target = this.requireCollection(collection, options.generation);
      await this.roomToHold(target);
      const reads = this.reads(target);
      const present = [...new Set(identityIds)].filter((id) => {
        const stamp = reads.stampOf(id);
        return stamp?.deleted === true && stamp.version <= (limitOf.get(id) ?? Infinity);
      });
      if (present.length === 0) return { purged: 0, lsn: this.wal.lastAppendedLsn };
      return { purged: present.length, lsn: this.logAndApply({ type: 'purge', collection, identityIds: present }, present.length) };
    });
    await this.durable(result.lsn);
    return result.purged;
  }

  /**
   * Resolves once every write that took the write lock before this call has been applied (not
   * necessarily fsynced). A shard that adopts a new ring awaits this before it reports the ring
   * adopted: no write checked against the old ring is still being applied after that.
   */
  writeBarrier(): Promise<void> {
    return this.writeLock.run(() => undefined);
  }

  /** The identity with its version and all its vectors, or its tombstone; null if unknown here. */
  exportVersioned(collection: string, identityId: string): VersionedIdentity | null {
    return this.readsOf(collection).exportVersioned(identityId);
  }

  /** The version held for an id (live or tombstone), or undefined. */
  versionOf(collection: string, identityId: string): VersionStamp | undefined {
    return this.readsOf(collection).stampOf(identityId);
  }

  /** Every tombstone of the collection (ids deleted here, with the version of the delete). */
  tombstones(collection: string): { identityId: string; version: number }[] {
    return this.readsOf(collection).tombstoneList();
  }

  getIdentity(collection: string, identityId: string): StoredIdentity | null {
    return this.readsOf(collection).get(identityId);
  }

  /** Ids of every identity in the collection (no particular order: callers that need one sort). */
  identityIds(collection: string): string[] {
    return this.readsOf(collection).identityIds();
  }

  /** An identity with its vectors, as an upsert that recreates it (for moving partitions between shards). */
  exportIdentity(collection: string, identityId: string): IdentityUpsert | null {
    return this.readsOf(collection).exportIdentity(identityId);
  }

  /** The ef a search uses when it names none (HNSW_EF_SEARCH). */
  get defaultEf(): number {
    return this.params.efSearch;
  }

  /** k distinct identities, best face each, score descending (ties: identityId ascending). */
  search(collection: string, query: Float32Array, k: number, options?: SearchOptions): SearchHit[] {
    return this.readsOf(collection).search(query, k, options);
  }

  stats(): CollectionStats[] {
    return [...this.collections.values()].map((c) => ({
      name: c.spec.name,
      dimension: c.spec.dimension,
      metric: c.spec.metric,
      identities: this.reads(c).identityCount,
      faces: this.reads(c).faceCount,
      revivedFaces: c.revivedFaces,
    }));
  }

  /** Per collection: counts and index shape, read by the metrics at scrape time. */
  metricsView(): { name: string; identities: number; faces: number; index: ReturnType<CollectionIndex['indexShape']> }[] {
    return [...this.collections.values()].map((c) => ({ name: c.spec.name, identities: this.reads(c).identityCount, faces: this.reads(c).faceCount, index: c.indexShape() }));
  }

  /** Internal counts per collection, for consistency checks (of the index itself: changes a running snapshot holds back are not in them). */
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
   * Writers wait only for the log rotation: the collections are frozen while their files are
   * written and later changes are held beside them (snapshot-overlay.ts), then applied. Searches
   * and reads keep running and see every acknowledged write. Calls are serialised.
   */
  snapshot(): Promise<void> {
    return this.snapshotLock.run(async () => {
      const before = this.snapshotLsn;
      const started = performance.now();
      await this.takeSnapshot();
      // Only snapshots that were taken (nothing new since the last one: none).
      if (this.snapshotLsn !== before) this.wal.metrics.snapshotTaken((performance.now() - started) / 1000);
    });
  }

  /**
   * Finds live faces no path in the HNSW graph of the newest snapshot reaches (from the index's own
   * link lists) and pins them: every search scores them exactly from then on. Logged as a 'pin'
   * record, so recovery does the same. Returns how many it pinned.
   *
   * It reads the newest snapshot's index file, which is on disk already: the live index is not
   * written for it, nor frozen, and no snapshot is taken for it (taking one when something was
   * logged since the newest, as this check did before, was ~11 s of an 18–20 s check at 1M and
   * 600 MB written durably). So it covers the faces logged up to the newest snapshot; those logged
   * after it are checked once the store's next regular snapshot is installed (the background
   * upkeep runs then: graph-upkeep.ts). The file is read in paced steps and parsed on a worker
   * thread (snapshot-graph.ts); a node is pinned only if its label still names a face with the
   * vector the snapshot holds (pinnable-faces.ts).
   */
  async pinUnreachable(collection: string): Promise<number> {
    return (await this.checkNewestSnapshot(collection)).pinned;
  }

  /** pinUnreachable, with the LSN of the snapshot it read (or found nothing to read in). */
  private async checkNewestSnapshot(collection: string): Promise<{ pinned: number; snapshotLsn: number }> {
    let snapshotLsn = 0;
    const result = await this.snapshotLock.run(async () => {
      this.assertOpen();
      snapshotLsn = this.snapshotLsn; // the snapshot lock keeps it (and its files) while this runs
      if (!this.collections.has(collection) || snapshotLsn === 0) return null;
      const indexFile = await snapshotIndexFile(this.fs, this.layout, snapshotLsn, collection);
      if (indexFile === null) return null; // not in that snapshot (created since) or empty there
      const graph = await reachabilityOfIndexFile(this.fs, indexFile, { log: this.wal.syncActivity, stopped: () => this.closing });
      if (graph.unreachableLabels.length === 0) return null;
      // One slice per turn of the writers' lock: writers queued meanwhile go between slices.
      let pinned = 0;
      let lsn = 0;
      for (const slice of reachabilitySlices(graph, this.hooks?.pinSliceLabels ?? PIN_SLICE_LABELS)) {
        const step = await this.writeLock.run(() => {
          this.assertOpen();
          const target = this.collections.get(collection);
          if (!target) return 'dropped' as const; // dropped meanwhile
          const faces = pinnableFaces(target, slice);
          if (faces.length === 0) return null;
          return { pinned: faces.length, lsn: this.logAndApply({ type: 'pin', collection, faces }, 0) };
        });
        if (step === 'dropped') break;
        if (step) {
          pinned += step.pinned;
          lsn = step.lsn;
        }
        // The writers' lock is a promise chain: uncontended, the next slice would follow in the same
        // turn of the event loop, and ~1,500 cut-off faces at 1M (~40 µs each) held it for one 60 ms
        // turn (bench/store/README.md). A turn between slices lets searches, heartbeats and I/O in.
        await yieldToEventLoop();
      }
      return pinned > 0 ? { pinned, lsn } : null;
    });
    if (!result) return { pinned: 0, snapshotLsn };
    await this.durable(result.lsn);
    return { pinned: result.pinned, snapshotLsn };
  }

  /** Resolves once the background graph upkeep started so far has finished (tests, shutdown). */
  graphUpkeepIdle(): Promise<void> {
    return this.graphUpkeep.idle();
  }

  /**
   * Verifies memory against the source of truth on disk (newest snapshot + log) and searches every
   * face with its own vector; with `repair`, rebuilds what disagrees (see integrity/). Searches keep
   * running. A check alone freezes the collections (writers go on beside them, as during a
   * snapshot); a repair may replace a collection, so writers wait while it runs.
   */
  async integrityCheck(options: IntegrityCheckOptions = {}): Promise<ShardIntegrityReport> {
    if (options.repair) return this.snapshotLock.run(() => this.writeLock.run(() => this.checkIntegrityLocked(options)));
    return this.snapshotLock.run(async () => {
      const frozen = await this.writeLock.run(async () => {
        this.assertOpen();
        await this.wal.flushAll();
        const collections = new Map(this.collections); // as of the freeze: creates and drops go on meanwhile
        this.freeze([...collections.values()]);
        return { lsn: this.wal.lastAppendedLsn, collections };
      });
      try {
        const truth = await readTruth(this.fs, this.layout, frozen.lsn, this.params);
        const refusePin = async (): Promise<void> => {
          throw new Error('a check without repair pins nothing');
        };
        return await runIntegrityCheck({ lsn: frozen.lsn, params: this.params, collections: frozen.collections, truth, pin: refusePin, log: this.log }, options);
      } finally {
        await this.thaw([...frozen.collections.values()]);
      }
    });
  }

  /** The check with the writers' lock held throughout (a repair: it may rebuild a collection). */
  private async checkIntegrityLocked(options: IntegrityCheckOptions): Promise<ShardIntegrityReport> {
    this.assertOpen();
    await this.wal.flushAll();
    const lsn = this.wal.lastAppendedLsn;
    const truth = await readTruth(this.fs, this.layout, lsn, this.params);
    let pinLsn = lsn;
    const report = await runIntegrityCheck(
      {
        lsn,
        params: this.params,
        collections: this.collections,
        truth,
        pin: async (collection, faces) => {
          pinLsn = this.logAndApply({ type: 'pin', collection, faces }, 0);
        },
        log: this.log,
      },
      options,
    );
    await this.durable(pinLsn);
    // A rebuilt collection is a new graph: the upkeep looks for faces it cut off.
    for (const collection of report.collections) if (collection.repairs.length > 0) this.graphUpkeep.noteWrites(collection.collection, collection.faces, this.wal.lastAppendedLsn);
    return report;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
    if (this.reloading) await this.reloading;
    await this.graphUpkeep.stop();
    if (this.backgroundSnapshot) await this.backgroundSnapshot;
    await this.snapshotLock.run(() => undefined);
    await this.writeLock.run(() => this.wal.close());
    await this.releaseLock();
  }

  private async takeSnapshot(): Promise<void> {
    this.assertOpen();
    // Writers wait only for this: the log flushed and rotated, the collections frozen.
    const frozen = await this.writeLock.run(async () => {
      await this.wal.flushAll();
      const lsn = this.wal.lastAppendedLsn;
      if (lsn === this.snapshotLsn) return null; // nothing new since the last one
      await this.wal.rotate(); // records after the snapshot go to a segment of their own
      const collections = [...this.collections.values()];
      this.freeze(collections);
      this.opsSinceSnapshot = 0;
      return { lsn, collections, dropped: Object.fromEntries(this.dropped) };
    });
    if (!frozen) return;
    const { lsn, collections } = frozen;
    let pending: PendingSnapshot;
    try {
      await this.hooks?.onSnapshotPhase?.('rotated', lsn);
      const tempDir = await beginSnapshot(this.fs, this.layout, lsn);
      // One collection at a time (bounded memory), each applied the changes held beside it as soon
      // as its files are written. hnswlib writes the index off-thread; the metadata is encoded in
      // slices, both into scratch files (see writeCollectionFiles): neither writers nor the event
      // loop wait for them. Both reach the disk after the thaw in paced steps that give way to the
      // log (makeCollectionDurable), so a log fsync never queues behind more than one small step.
      const written: PendingSnapshot['collections'] = [];
      for (const collection of collections) {
        const captured = await writeCollectionFiles(this.fs, tempDir, written.length, collection);
        await this.thaw([collection]);
        written.push(await makeCollectionDurable(this.fs, tempDir, captured, this.wal.syncActivity));
      }
      pending = { lsn, tempDir, collections: written, dropped: frozen.dropped };
    } finally {
      await this.thaw(collections); // on failure too: what a failed snapshot held back is applied
    }
    await this.hooks?.onSnapshotPhase?.('indexes-written', lsn);
    await installSnapshot(this.fs, this.layout, pending);
    this.snapshotLsn = lsn;
    // The upkeep's checks read this one from now on (a check due now waits for the snapshot lock,
    // so it starts once the old snapshots are pruned).
    this.graphUpkeep.snapshotInstalled(lsn);
    await this.hooks?.onSnapshotPhase?.('installed', lsn);
    await this.wal.deleteCoveredSegments(lsn);
    await pruneSnapshots(this.fs, this.layout, lsn, this.wal.syncActivity);
  }

  /** Holds later changes of these collections beside them (caller holds the writers' lock; none is frozen yet). */
  private freeze(collections: CollectionIndex[]): void {
    for (const collection of collections) {
      if (this.overlays.has(collection)) throw new Error(`collection ${collection.spec.name} is frozen already`);
      this.overlays.set(collection, new SnapshotOverlay(collection, this.params));
    }
  }

  /**
   * Applies what was held beside each collection, in log order, in slices of the writers' lock
   * (writers interleave; their changes join the queue until it is empty), then reads and writes go
   * to the collection itself again. Every collection is thawed even if one fails.
   */
  private async thaw(collections: CollectionIndex[]): Promise<void> {
    let firstError: unknown = null;
    for (const collection of collections) {
      const overlay = this.overlays.get(collection);
      if (!overlay) continue;
      overlay.beginThaw(); // writers waiting for room go on from here, each applying what it adds
      try {
        for (;;) {
          const done = await this.writeLock.run(() => {
            const drained = overlay.drain(THAW_SLICE_MS, (apply) => this.applyOrFail(apply));
            if (drained) this.overlays.delete(collection);
            return drained;
          });
          if (done) break;
          await yieldToEventLoop();
        }
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== null) throw firstError;
  }

  private maybeSnapshotInBackground(): void {
    if (this.opsSinceSnapshot < this.snapshotEveryOps) return;
    void this.snapshotInBackground();
  }

  /** Starts a background snapshot unless one is running (then: that one); never rejects. */
  private snapshotInBackground(): Promise<void> {
    if (this.closing) return Promise.resolve();
    if (this.backgroundSnapshot) return this.backgroundSnapshot;
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
    return this.backgroundSnapshot;
  }

  /** Appends then applies (under the write lock). Returns the record's LSN. */
  private logAndApply(op: WalOp, ops: number): number {
    const lsn = this.wal.append(op);
    this.opsSinceSnapshot += ops;
    this.applyOrFail(() => this.applyLogged(op));
    return lsn;
  }

  /** A change of a frozen collection's contents is held beside it; everything else applies now. */
  private applyLogged(op: WalOp): void {
    const target = isCollectionWalOp(op) ? this.collections.get(op.collection) : undefined;
    const overlay = target && this.overlays.get(target);
    if (target && overlay && isCollectionWalOp(op)) overlay.defer(prepareCollectionOp(target, op));
    else applyOp({ collections: this.collections, dropped: this.dropped }, op, this.params);
  }

  /**
   * Backpressure (caller holds the writers' lock): while a frozen collection already holds
   * maxHeldChanges beside it, the write waits until its thaw begins — as writers waited for
   * every snapshot before. Holding changes costs no HNSW insert, so a fast writer could otherwise
   * pile up far more than the thaw can apply soon (and than an exact search of them costs little).
   * The thaw begins without the lock (beginThaw), so this wait cannot block it.
   */
  private async roomToHold(target: CollectionIndex): Promise<void> {
    const overlay = this.overlays.get(target);
    if (overlay && !overlay.thawing && overlay.pending >= this.maxHeldChanges) await overlay.thawBegun();
  }

  /** What reads of this collection see: the collection, or its overlay while it is frozen. */
  private reads(collection: CollectionIndex): CollectionReads {
    return this.overlays.get(collection) ?? collection;
  }

  private readsOf(name: string): CollectionReads {
    return this.reads(this.requireCollection(name));
  }

  /** New versions for client writes to these ids, in order (an id twice: the second is higher). */
  private assignVersions(target: Pick<CollectionReads, 'versionFloor'>, identityIds: string[]): number[] {
    return identityIds.map((id) => this.clock.next(target.versionFloor(id)));
  }

  private refuseDroppedGeneration(spec: CollectionSpec): void {
    const generation = spec.generation ?? 0;
    if (generation > 0 && generation <= (this.dropped.get(spec.name) ?? 0)) throw collectionGone(spec.name, generation);
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
      this.failed(error);
      // The change is in the log (the reload applies it again), so its outcome is unknown to the caller.
      throw new FaceshardError('SHARD_UNAVAILABLE', `applying a logged change failed; the shard reloads its state from disk, retry: ${String(error)}`, { outcome: 'unknown' });
    }
  }

  private requireCollection(name: string, generation?: number): CollectionIndex {
    const collection = this.collections.get(name);
    if (!collection) throw new FaceshardError('COLLECTION_NOT_FOUND', `collection ${String(name)} does not exist on this shard`);
    if (generation !== undefined && generationOf(collection) !== generation) throw collectionGone(name, generation);
    return collection;
  }

  /**
   * Before queueing for the writers' lock: a write arriving while the store has failed or reloads
   * from disk fails at once (retryable) instead of waiting the whole reload for the lock.
   */
  private refuseWritesWhileFailed(): void {
    if (this.failure || this.wal.failed) this.assertOpen();
  }

  private assertOpen(): void {
    if (!this.failure && this.wal.failed) this.failed(this.wal.failed);
    if (this.failure) {
      throw new FaceshardError(refusalCodeOf(this.failure), `the shard takes no writes until it has reloaded its state from disk after a failed write; retry. The failure: ${this.failure.message}`);
    }
    const pausedMs = this.writesPausedUntil - performance.now();
    if (pausedMs > 0) {
      throw new FaceshardError(this.pauseCode, `writes failed again right after the shard reloaded from disk (${this.pauseReason}); it takes writes again in ${Math.ceil(pausedMs / 1000)} s`);
    }
    if (this.closing) throw new FaceshardError('SHARD_UNAVAILABLE', 'shard store is closing');
  }
}

/** The code writes are refused with after a failed write: a full disk says so, anything else is a retryable unavailability. */
function refusalCodeOf(failure: Error): 'STORAGE_FULL' | 'SHARD_UNAVAILABLE' {
  return failure instanceof FaceshardError && failure.code === 'STORAGE_FULL' ? 'STORAGE_FULL' : 'SHARD_UNAVAILABLE';
}

function validateSpec(spec: CollectionSpec): void {
  if (!spec || typeof spec.name !== 'string' || !NAME_PATTERN.test(spec.name)) {
    throw new FaceshardError('VALIDATION_FAILED', 'collection name is not valid');
  }
  if (!Number.isInteger(spec.dimension) || spec.dimension < 1 || spec.dimension > MAX_DIMENSION) {
    throw new FaceshardError('VALIDATION_FAILED', `dimension must be an integer in 1..${MAX_DIMENSION}`);
  }
  if (spec.metric !== 'cosine' && spec.metric !== 'ip') throw new FaceshardError('VALIDATION_FAILED', "metric must be 'cosine' or 'ip'");
  if (spec.generation !== undefined && !isGeneration(spec.generation)) throw new FaceshardError('VALIDATION_FAILED', 'generation must be a non-negative safe integer');
}

function isGeneration(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Only the spec's own fields go into the log (a caller's object may carry more). */
function cleanSpec(spec: CollectionSpec): CollectionSpec {
  const clean: CollectionSpec = { name: spec.name, dimension: spec.dimension, metric: spec.metric };
  if (spec.generation !== undefined) clean.generation = spec.generation;
  return clean;
}

function collectionGone(name: string, generation: number): FaceshardError {
  return new FaceshardError(
    'COLLECTION_NOT_FOUND',
    `collection ${name} (generation ${generation}) was deleted or replaced: re-read the collection and retry`,
    { generation },
  );
}
