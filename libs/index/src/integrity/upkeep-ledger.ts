/**
 * When a graph-upkeep check of one collection is worth running, given that a check reads the
 * newest snapshot's index file and never takes a snapshot of its own (one took ~11 s of an
 * 18–20 s check at 1M and wrote 600 MB durably). A check covers only the faces logged at or
 * before the snapshot it reads; faces logged after it wait for the store's next regular snapshot
 * (every `snapshotEveryOps` changes) and the check after that.
 *
 * The rule (the one before, with "covered by the newest snapshot" in place of "written"): a check
 * is due when the newest snapshot holds faces written since the last check, and either writes to
 * the collection have paused for `idleMs` (the pause that ends a load checks its final graph), or
 * those faces make up half of the collection, at least `minFaces` (a bulk load that goes on).
 *
 * Pure: the caller passes the clock and the LSNs, sets the timers and runs the checks.
 */
export interface UpkeepRule {
  idleMs: number;
  /** Under continuous writes, a check waits for at least this many covered faces... */
  minFaces: number;
  /** ...and for this share of the collection's faces. */
  shareOfCollection: number;
}

export const DEFAULT_UPKEEP_RULE: Omit<UpkeepRule, 'idleMs'> = { minFaces: 1000, shareOfCollection: 0.5 };

/**
 * Writes noted are kept as (LSN, faces) entries; beyond this many, a new one is merged into the
 * last (its LSN the later of the two): a merged entry counts as covered only once its later LSN is,
 * so merging can delay a check, never claim a face is covered before it is.
 */
const MAX_ENTRIES = 256;

export class UpkeepLedger {
  /** Faces written since the last check, by the LSN of their log record (ascending, but for merges). */
  private entries: { lsn: number; faces: number }[] = [];
  private lastWriteAtMs = Number.NEGATIVE_INFINITY;
  /** The snapshot the last check read: writes at or before it are checked. */
  private checkedLsn = 0;

  constructor(
    private readonly rule: UpkeepRule,
    /** The newest installed snapshot's LSN (0: none). */
    private snapshotLsn = 0,
  ) {}

  /** `faces` were written by the log record at `lsn`, at `nowMs`. */
  noteWrites(lsn: number, faces: number, nowMs: number): void {
    if (faces <= 0) return;
    this.lastWriteAtMs = Math.max(this.lastWriteAtMs, nowMs);
    if (lsn <= this.checkedLsn) return; // noted late: a check has read a snapshot holding it already
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && (last.lsn === lsn || this.entries.length >= MAX_ENTRIES)) {
      last.lsn = Math.max(last.lsn, lsn);
      last.faces += faces;
    } else this.entries.push({ lsn, faces });
  }

  /** A snapshot of everything logged up to `lsn` was installed. */
  snapshotInstalled(lsn: number): void {
    this.snapshotLsn = Math.max(this.snapshotLsn, lsn);
  }

  /** A check read the snapshot at `lsn`: the faces it holds are checked. */
  checked(lsn: number): void {
    this.checkedLsn = Math.max(this.checkedLsn, lsn);
    this.entries = this.entries.filter((entry) => entry.lsn > this.checkedLsn);
  }

  /** Faces the newest snapshot holds that no check has read yet. */
  get coveredFaces(): number {
    return this.entries.reduce((sum, entry) => (entry.lsn <= this.snapshotLsn ? sum + entry.faces : sum), 0);
  }

  /** Faces written since the last check that the newest snapshot does not hold (the next snapshot's). */
  get uncoveredFaces(): number {
    return this.entries.reduce((sum, entry) => (entry.lsn > this.snapshotLsn ? sum + entry.faces : sum), 0);
  }

  /** Whether a check should run now, for a collection of `collectionFaces` faces. */
  due(nowMs: number, collectionFaces: number): boolean {
    const covered = this.coveredFaces;
    if (covered === 0) return false;
    if (nowMs - this.lastWriteAtMs >= this.rule.idleMs) return true;
    return covered >= Math.max(this.rule.minFaces, collectionFaces * this.rule.shareOfCollection);
  }

  /**
   * When to ask due() again if it said no: once writes will have paused for idleMs, if the newest
   * snapshot holds unchecked faces. null: nothing to wait for (faces not yet in a snapshot wait for
   * the next snapshotInstalled(), not for a timer).
   */
  wakeAtMs(): number | null {
    return this.coveredFaces > 0 ? this.lastWriteAtMs + this.rule.idleMs : null;
  }
}
