import type { MoveState, RingState } from '@faceshard/contracts';
import { movingSources } from '../move-plan';
import { completeStage } from './stage-transition';

/**
 * Stage 1, migrate identities: every source streams the identities the new ring gives to
 * other shards, chunk by chunk, each chunk acknowledged by its receiver once durable. Progress
 * is persisted per source (and collection) so a crash resumes at the last acknowledged chunk.
 */
export interface SourceProgress {
  source: string;
  /** Per collection: the last identity id acknowledged by the receiver (ids stream in sorted order). */
  cursors: Record<string, string>;
  /** Collections finished. */
  doneCollections: string[];
  moved: number;
  /** Per collection: how many entries the source gives away (known after its first chunk). */
  totals: Record<string, number>;
  /** Sum of `totals`; null before the first chunk. */
  toMove: number | null;
  done: boolean;
  startedAt: string;
  updatedAt: string;
}

export function emptyProgress(source: string, now: Date): SourceProgress {
  const at = now.toISOString();
  return { source, cursors: {}, doneCollections: [], moved: 0, totals: {}, toMove: null, done: false, startedAt: at, updatedAt: at };
}

/** Identities per second since the source started, and the seconds left at that rate (null when unknown). */
export function progressRate(progress: SourceProgress, now: Date): { perSecond: number; etaSeconds: number | null } {
  const seconds = Math.max(0.001, (now.getTime() - Date.parse(progress.startedAt)) / 1000);
  const perSecond = progress.moved / seconds;
  if (progress.done) return { perSecond, etaSeconds: 0 };
  if (progress.toMove === null || perSecond === 0) return { perSecond, etaSeconds: null };
  return { perSecond, etaSeconds: Math.max(0, progress.toMove - progress.moved) / perSecond };
}

/** Share of its identities a source has moved: 1 when done, null before its first chunk says how many there are. */
export function progressRatio(progress: Pick<SourceProgress, 'moved' | 'toMove' | 'done'>): number | null {
  if (progress.done) return 1;
  if (progress.toMove === null) return null;
  return progress.toMove === 0 ? 1 : Math.min(1, progress.moved / progress.toMove);
}

/** The chunk acknowledged: cursor forward, counts up. Pure. `total`: the source's count of moving entries of the collection. */
export function recordChunk(
  progress: SourceProgress,
  collection: string,
  lastId: string | null,
  moved: number,
  finished: boolean,
  now: Date,
  total?: number,
): SourceProgress {
  const next: SourceProgress = { ...progress, cursors: { ...progress.cursors }, moved: progress.moved + moved, updatedAt: now.toISOString() };
  if (total !== undefined) {
    next.totals = { ...progress.totals, [collection]: total };
    next.toMove = Object.values(next.totals).reduce((a, b) => a + b, 0);
  }
  if (lastId !== null) next.cursors[collection] = lastId;
  if (finished && !next.doneCollections.includes(collection)) next.doneCollections = [...next.doneCollections, collection].sort();
  return next;
}

/** A source is done when every collection it had at the start of the stage is done. */
export function sourceDone(progress: SourceProgress, collections: readonly string[]): boolean {
  return collections.every((c) => progress.doneCollections.includes(c));
}

export function migrationComplete(move: MoveState, progress: ReadonlyMap<string, SourceProgress>): boolean {
  return movingSources(move.from, move.to).every((source) => progress.get(source)?.done === true);
}

export function completeMigration(ring: RingState): RingState {
  return completeStage(ring, 'migrate-identities', (r) => r);
}
