import { FaceshardError, isDiskFullError } from '@faceshard/contracts';
import { NO_INDEX_METRICS, type IndexMetricsSink } from './index-metrics';
import { DataLayout } from './data-layout';
import { LogSyncActivity } from './log-sync-activity';
import { writeFully, type StoreFile, type StoreFs } from './store-fs';
import { encodeFrame } from './wal-frame';
import { encodeWalRecord, type WalOp } from './wal-ops';
import { assertRecordStart } from './wal-record-start';

interface DurabilityWaiter {
  lsn: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Append-only, segmented log with group commit.
 *
 * append() frames the record, queues it (synchronously, so the log order is the call order) and
 * starts a flush if none is running, so the fsync overlaps with applying the change in memory.
 * waitDurable(lsn) resolves once the record is written and fdatasync'ed. A single flush
 * loop runs at a time: records appended while an fsync is in flight are written and synced
 * together by the next round, so N concurrent writers cost ~2 fsyncs, not N.
 *
 * A failed write or fsync is fatal for this log (what reached the disk is unknown): every waiter
 * and every later append fails; the store must be reopened, which recovers from disk.
 */
export class WriteAheadLog {
  private pending: Buffer[] = [];
  private waiters: DurabilityWaiter[] = [];
  private flushing: Promise<void> | null = null;
  private failure: FaceshardError | null = null;
  private closed = false;
  private cutDone = false;
  /** fsyncs done so far (observability; lets tests check that group commit happens). */
  fsyncCount = 0;
  /** Why this log stopped taking records (a failed write or fsync), or null. */
  get failed(): FaceshardError | null {
    return this.failure;
  }

  /** Where fsync (and the store's snapshot) times are reported. */
  metrics: IndexMetricsSink = NO_INDEX_METRICS;
  /** When a round of records is being written and synced: a snapshot's copy waits for its end. */
  readonly syncActivity = new LogSyncActivity();

  private constructor(
    private readonly fs: StoreFs,
    private readonly layout: DataLayout,
    private handle: StoreFile,
    private segmentStart: number,
    private readonly segments: number[],
    private lastLsn: number,
    /** Bytes of the current segment written and fdatasync'ed: every acknowledged record ends within them. */
    private syncedBytes: number,
  ) {
    this.durableLsn = lastLsn;
  }

  private durableLsn: number;

  /**
   * Opens for appending after recovery. Appends to the last segment when its records end exactly
   * before nextLsn; otherwise starts a new segment at nextLsn.
   */
  static async open(fs: StoreFs, layout: DataLayout, recovered: { nextLsn: number; segments: number[]; lastSegmentNextLsn: number | null }): Promise<WriteAheadLog> {
    const segments = [...recovered.segments];
    const last = segments[segments.length - 1];
    let start: number;
    if (last !== undefined && recovered.lastSegmentNextLsn === recovered.nextLsn) {
      start = last;
    } else {
      start = recovered.nextLsn;
      if (last !== undefined && last >= start) throw new Error(`log segment ${last} already exists at or after lsn ${start}`);
      segments.push(start);
    }
    const handle = await fs.open(layout.segmentFile(start), 'a');
    await handle.datasync();
    await fs.fsyncPath(layout.walDir);
    return new WriteAheadLog(fs, layout, handle, start, segments, recovered.nextLsn - 1, await handle.size());
  }

  /** The last record acknowledged durable (every record up to it was written and fdatasync'ed). */
  get lastDurableLsn(): number {
    return this.durableLsn;
  }

  get lastAppendedLsn(): number {
    return this.lastLsn;
  }

  /** Frames and queues the op; returns its LSN. Not durable until waitDurable(lsn) resolves. */
  append(op: WalOp): number {
    this.assertUsable();
    const lsn = this.lastLsn + 1;
    const body = encodeWalRecord({ lsn, op });
    assertRecordStart(body); // replay tells damage from a torn tail by finding records after it
    const frame = encodeFrame(body);
    this.pending.push(frame);
    this.lastLsn = lsn;
    // Start writing now: the fsync then overlaps with applying the change in memory.
    this.kick();
    return lsn;
  }

  waitDurable(lsn: number): Promise<void> {
    if (lsn <= this.durableLsn) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    // Not appended to this log: it went with a failed log that the store replaced by reloading from disk.
    if (lsn > this.lastLsn) return Promise.reject(new FaceshardError('SHARD_UNAVAILABLE', `log record ${lsn} was never appended to this log (the store reloaded from disk after a failed write)`));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ lsn, resolve, reject });
      this.kick();
    });
  }

  /** Everything appended so far is durable when this resolves. */
  flushAll(): Promise<void> {
    return this.waitDurable(this.lastLsn);
  }

  /**
   * Starts a new segment at lastLsn + 1 (caller guarantees nothing is pending: flushAll() under
   * the writers' mutex). A no-op if the current segment is still empty.
   */
  async rotate(): Promise<void> {
    this.assertUsable();
    while (this.flushing) await this.flushing;
    if (this.pending.length > 0) throw new Error('rotate() with unflushed records');
    const start = this.lastLsn + 1;
    if (start === this.segmentStart) return;
    const next = await this.fs.open(this.layout.segmentFile(start), 'a');
    await next.datasync();
    await this.fs.fsyncPath(this.layout.walDir);
    const previous = this.handle;
    this.handle = next;
    this.syncedBytes = 0;
    this.segmentStart = start;
    this.segments.push(start);
    await previous.close();
  }

  /** Deletes segments whose every record is <= coveredLsn (never the current one). */
  async deleteCoveredSegments(coveredLsn: number): Promise<number> {
    let deleted = 0;
    while (this.segments.length > 1 && this.segments[1] <= coveredLsn + 1) {
      const start = this.segments.shift() as number;
      await this.fs.remove(this.layout.segmentFile(start));
      deleted++;
    }
    if (deleted > 0) await this.fs.fsyncPath(this.layout.walDir);
    return deleted;
  }

  segmentStarts(): number[] {
    return [...this.segments];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.failure) await this.flushAll();
    this.closed = true;
    await this.handle.close();
  }

  /**
   * Closes a failed log after cutting its current segment back to the last successful fdatasync:
   * the records after it were never acknowledged, and whatever of them reached the file (a partial
   * write before ENOSPC, or bytes whose fsync failed and that may be in the page cache only) must
   * not come back when the store reloads from this file. After this the file holds exactly the
   * acknowledged records, so a failed write's outcome is known: not stored.
   */
  async cutToDurableAndClose(): Promise<void> {
    if (this.cutDone) return;
    while (this.flushing) await this.flushing;
    // Closed already: by an earlier cut that failed midway (it is tried again on a fresh handle).
    if (this.closed) this.handle = await this.fs.open(this.layout.segmentFile(this.segmentStart), 'a');
    this.closed = true;
    try {
      if ((await this.handle.size()) > this.syncedBytes) {
        await this.handle.truncate(this.syncedBytes);
        await this.handle.datasync();
      }
      this.cutDone = true;
    } finally {
      await this.handle.close();
    }
  }

  private assertUsable(): void {
    if (this.failure) throw new FaceshardError(this.failure.code, `write-ahead log failed earlier: ${this.failure.message}`, this.failure.details);
    if (this.closed) throw new FaceshardError('SHARD_UNAVAILABLE', 'write-ahead log is closed');
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = null;
      // Defensive: records queued after the loop's last check get their own round.
      if (this.pending.length > 0 && !this.failure) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
        this.pending = [];
        const upTo = this.lastLsn;
        this.syncActivity.started();
        try {
          await writeFully(this.handle, batch);
          const syncStarted = performance.now();
          await this.handle.datasync();
          this.metrics.walFsync((performance.now() - syncStarted) / 1000);
        } finally {
          this.syncActivity.ended();
        }
        this.fsyncCount++;
        this.syncedBytes += batch.length;
        this.durableLsn = upTo;
        this.settle(upTo);
      }
    } catch (error) {
      // Never retried: after a failed fsync the kernel may have dropped the dirty pages, and a
      // second fsync would then "succeed" without them. Nothing after this point is acknowledged.
      this.failure = logWriteFailure(error);
      const waiters = this.waiters;
      this.waiters = [];
      for (const waiter of waiters) waiter.reject(this.failure);
    }
  }

  private settle(upTo: number): void {
    const stillWaiting: DurabilityWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.lsn <= upTo) waiter.resolve();
      else stillWaiting.push(waiter);
    }
    this.waiters = stillWaiting;
  }
}

/**
 * What a failed log write or fsync becomes: STORAGE_FULL for a full disk, SHARD_UNAVAILABLE
 * (details.outcome 'unknown') otherwise. Both are retryable: the store cuts the log back to its
 * last fsync, reloads itself from disk (shard-store.ts) and takes writes again. On a full disk the
 * cut always works (shrinking a file needs no space), so the write is not stored; an I/O error
 * may refuse the cut too. The OS code travels in details.osCode.
 */
export function logWriteFailure(error: unknown): FaceshardError {
  const osCode = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const reason = error instanceof Error ? error.message : String(error);
  const details = osCode ? { osCode } : undefined;
  if (isDiskFullError(error)) {
    return new FaceshardError('STORAGE_FULL', `the shard's disk is full: the write was not stored (write-ahead log: ${reason}); free disk space and retry`, details);
  }
  // Another error (EIO, EROFS) may also keep the shard from cutting the record out of its log: its outcome is unknown.
  return new FaceshardError('SHARD_UNAVAILABLE', `write-ahead log write failed (${reason}): the write was not acknowledged and may or may not be stored; the shard reloads its state from disk, retry (writes are idempotent)`, { ...details, outcome: 'unknown' });
}
