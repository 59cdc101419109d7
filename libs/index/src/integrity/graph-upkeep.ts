import { idleSnapshotStartAt, type IdleSnapshotRule } from './idle-snapshot-rule';
import { UpkeepLedger, DEFAULT_UPKEEP_RULE, type UpkeepRule } from './upkeep-ledger';

/**
 * When to look for faces the HNSW graph has cut off (and pin them): hnswlib's neighbour pruning
 * can leave a node with no incoming link after later inserts, and nothing in hnswlib repairs that.
 * A check (ShardStore's checkNewestSnapshot) reads the newest snapshot's index file in paced steps
 * and walks its graph on a worker thread; it never takes a snapshot of its own (at 1M that took ~11
 * s of an 18–20 s check and wrote 600 MB durably): it runs on the store's regular snapshots, so the
 * faces written since the newest one are checked by the round after the next regular snapshot.
 * The rule (which snapshot makes a check due, and when) is upkeep-ledger.ts; this class keeps one
 * ledger per collection, the timers, and runs the checks one at a time. So that the last faces
 * written before writes stop are checked too, it asks the store for a snapshot once writes have
 * paused long enough (idle-snapshot-rule.ts: 30 s by default, at most 10% of the time).
 */
export class GraphUpkeep {
  private readonly ledgers = new Map<string, UpkeepLedger>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Collections with a check queued or running (not queued twice). */
  private readonly queued = new Set<string>();
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private snapshotLsn = 0;
  private readonly rule: UpkeepRule;
  /** Any collection's last write, for the idle snapshot. */
  private lastWriteAtMs = Number.NEGATIVE_INFINITY;
  private idleSnapshotTimer: NodeJS.Timeout | null = null;
  private idleSnapshotRunning = false;
  private lastIdleSnapshot: { startedMs: number; endedMs: number } | null = null;

  constructor(
    idleMs: number,
    /**
     * Runs one check; resolves with the LSN of the snapshot it read, or that it found nothing to
     * read in (the collection is not in it: dropped, or empty), so that it is not asked again.
     */
    private readonly check: (collection: string) => Promise<number>,
    private readonly sizeOf: (collection: string) => number,
    private readonly onError: (collection: string, error: unknown) => void,
    /** Takes a regular snapshot in the background (resolves when it is installed or has failed). */
    private readonly requestSnapshot: () => Promise<void> = () => Promise.resolve(),
    private readonly idleSnapshot: IdleSnapshotRule = { afterMs: 0, maxShareOfTime: 0.1 },
    private readonly now: () => number = () => performance.now(),
  ) {
    this.rule = { ...DEFAULT_UPKEEP_RULE, idleMs };
  }

  private get enabled(): boolean {
    return !this.stopped && this.rule.idleMs > 0;
  }

  /** `faces` face vectors were written to `collection` by the log record at `lsn`. */
  noteWrites(collection: string, faces: number, lsn: number): void {
    if (!this.enabled || faces <= 0) return;
    let ledger = this.ledgers.get(collection);
    if (!ledger) this.ledgers.set(collection, (ledger = new UpkeepLedger(this.rule, this.snapshotLsn)));
    const now = this.now();
    ledger.noteWrites(lsn, faces, now);
    this.lastWriteAtMs = Math.max(this.lastWriteAtMs, now);
    this.consider(collection);
    // Not on every write: a pending idle-snapshot timer reads lastWriteAtMs when it fires and
    // waits again if writes went on.
    if (this.idleSnapshotTimer === null) this.considerIdleSnapshot();
  }

  /** The store installed a snapshot of everything logged up to `lsn`: checks may now cover more. */
  snapshotInstalled(lsn: number): void {
    this.snapshotLsn = Math.max(this.snapshotLsn, lsn);
    if (!this.enabled) return;
    for (const [collection, ledger] of this.ledgers) {
      ledger.snapshotInstalled(lsn);
      this.consider(collection);
    }
    this.considerIdleSnapshot();
  }

  /** Resolves once every check started so far is done. */
  idle(): Promise<void> {
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    if (this.idleSnapshotTimer) clearTimeout(this.idleSnapshotTimer);
    this.idleSnapshotTimer = null;
    await this.running;
  }

  /** Runs the check now if due; otherwise wakes up when it may be. */
  private consider(collection: string): void {
    const ledger = this.ledgers.get(collection);
    if (!ledger || !this.enabled || this.queued.has(collection)) return;
    const existing = this.timers.get(collection);
    if (existing) clearTimeout(existing);
    this.timers.delete(collection);
    const now = this.now();
    if (ledger.due(now, this.sizeOf(collection))) return this.runFor(collection, ledger);
    const wakeAt = ledger.wakeAtMs();
    if (wakeAt === null) return; // nothing covered yet: the next snapshotInstalled() asks again
    const timer = setTimeout(() => {
      this.timers.delete(collection);
      this.consider(collection);
    }, Math.max(0, wakeAt - now));
    timer.unref();
    this.timers.set(collection, timer);
  }

  /** Takes an idle snapshot now if one is needed and allowed; otherwise wakes up when it may be. */
  private considerIdleSnapshot(): void {
    if (this.idleSnapshotTimer) clearTimeout(this.idleSnapshotTimer);
    this.idleSnapshotTimer = null;
    if (!this.enabled || this.idleSnapshotRunning) return;
    let uncoveredFaces = 0;
    for (const ledger of this.ledgers.values()) uncoveredFaces += ledger.uncoveredFaces;
    const startAt = idleSnapshotStartAt({ lastWriteAtMs: this.lastWriteAtMs, uncoveredFaces, last: this.lastIdleSnapshot }, this.idleSnapshot);
    if (startAt === null) return;
    const now = this.now();
    if (startAt > now) {
      this.idleSnapshotTimer = setTimeout(() => this.considerIdleSnapshot(), startAt - now);
      this.idleSnapshotTimer.unref();
      return;
    }
    this.idleSnapshotRunning = true;
    // The store records a failed background snapshot itself (lastSnapshotError); the rule's
    // minimum gap keeps a failing one from being retried in a loop.
    void this.requestSnapshot()
      .catch(() => undefined)
      .finally(() => {
        this.idleSnapshotRunning = false;
        this.lastIdleSnapshot = { startedMs: now, endedMs: this.now() };
        this.considerIdleSnapshot();
      });
  }

  private runFor(collection: string, ledger: UpkeepLedger): void {
    this.queued.add(collection);
    this.running = this.running.then(async () => {
      try {
        if (this.stopped) return;
        ledger.checked(await this.check(collection));
      } catch (error) {
        // Not retried at once (a full disk would make it spin): the next write or snapshot asks again.
        this.reportFailure(collection, error);
        return;
      } finally {
        this.queued.delete(collection);
      }
      // Writes noted or snapshots installed while it ran may have made another check due.
      this.consider(collection);
    });
  }

  /** A check that stop() cut short (the store closing under it) failed on purpose: not worth a log line. */
  private reportFailure(collection: string, error: unknown): void {
    if (!this.stopped) this.onError(collection, error);
  }
}
