/**
 * When the store takes a snapshot because writes paused, so that the graph upkeep can check faces
 * no snapshot holds yet. A check reads the newest snapshot and never takes one of its own
 * (graph-upkeep.ts); regular snapshots come every `snapshotEveryOps` changes, so without this the
 * last faces written before writes stop would go unchecked until more writes bring a snapshot.
 *
 * The rule: once writes have paused for `afterMs` and faces were written since the newest
 * snapshot, take one; idle snapshots together use at most `maxShareOfTime` of the wall clock (the
 * gap after one is at least its own length × (1/share − 1), and never shorter than `afterMs`, so
 * a snapshot that fails at once is not retried in a loop). Sparse writes that never pause that
 * long bring no idle snapshot: their faces wait for the regular ones.
 *
 * Pure: the caller passes the clock, sets the timer and takes the snapshot.
 */
export interface IdleSnapshotRule {
  /** Writes must have paused this long; 0 turns idle snapshots off. */
  afterMs: number;
  /** Share of the wall clock idle snapshots may take, in (0, 1]. */
  maxShareOfTime: number;
}

export const DEFAULT_IDLE_SNAPSHOT_RULE: IdleSnapshotRule = { afterMs: 30_000, maxShareOfTime: 0.1 };

export interface IdleSnapshotState {
  /** When the last write was noted (-Infinity: none since this process started). */
  lastWriteAtMs: number;
  /** Faces written that no installed snapshot holds. */
  uncoveredFaces: number;
  /** The last idle snapshot this process took, if any. */
  last: { startedMs: number; endedMs: number } | null;
}

/** When an idle snapshot may start (now or later), or null when none is needed. */
export function idleSnapshotStartAt(state: IdleSnapshotState, rule: IdleSnapshotRule): number | null {
  if (rule.afterMs <= 0 || state.uncoveredFaces <= 0) return null;
  let at = state.lastWriteAtMs + rule.afterMs;
  if (state.last) {
    const length = Math.max(0, state.last.endedMs - state.last.startedMs);
    at = Math.max(at, state.last.endedMs + Math.max(rule.afterMs, length * (1 / rule.maxShareOfTime - 1)));
  }
  return at;
}
