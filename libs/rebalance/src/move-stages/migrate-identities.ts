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
  /** Known once the source counted what it gives away (null before). */
  toMove: number | null;
  done: boolean;
  updatedAt: string;
}

export function emptyProgress(source: string, now: Date): SourceProgress {
  return { source, cursors: {}, doneCollections: [], moved: 0, toMove: null, done: false, updatedAt: now.toISOString() };
}

/** The chunk acknowledged: cursor forward, counts up. Pure. */
export function recordChunk(progress: SourceProgress, collection: string, lastId: string | null, moved: number, finished: boolean, now: Date): SourceProgress {
  const next: SourceProgress = { ...progress, cursors: { ...progress.cursors }, moved: progress.moved + moved, updatedAt: now.toISOString() };
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
