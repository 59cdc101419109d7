import { writeFile } from 'node:fs/promises';
import { ApiError, seg, type FaceshardClient } from '../api-client';
import { EnrollJournal } from './enroll-journal';
import { formatFailures, type EnrollTally } from './enroll-summary';
import type { PhotoTask } from './photo-folder';
import { runPool } from './run-pool';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry';

/** Where the run reports progress (a terminal bar in the CLI, nothing in tests). */
export interface EnrollProgress {
  start(total: number, alreadyDone: number): void;
  advance(tally: EnrollTally): void;
  stop(): void;
}

export interface EnrollRunOptions {
  client: FaceshardClient;
  collection: string;
  tasks: PhotoTask[];
  journalPath: string;
  failuresPath: string;
  concurrency: number;
  progress?: EnrollProgress;
  retry?: RetryPolicy;
  /** Set (e.g. by Ctrl-C) to stop taking new photos; those in flight finish and are journalled. */
  stopSignal?: { stopped: boolean };
  minQuality?: number;
}

export interface EnrollResult {
  tally: EnrollTally;
  failures: { path: string; identityId: string; code: string; message: string }[];
  /** Set when the run stopped because the server could not be reached at all. */
  aborted?: string;
}

interface EnrolledFace {
  faceId: string;
  /** false: the externalId was enrolled before; the server answered its face and stored nothing. */
  created?: boolean;
}

/**
 * Enrolls every task not yet in the journal: POST /v1/collections/:c/identities/:id/faces
 * with the photo and externalId = its relative path, at most `concurrency` at once, retrying
 * what the server calls retryable. A photo the server refuses (no face, bad image…) is a
 * failure of that photo, listed in the failures file; an unreachable server stops the run.
 */
export async function runEnroll(options: EnrollRunOptions): Promise<EnrollResult> {
  const journal = await EnrollJournal.open(options.journalPath, options.collection);
  const stop = options.stopSignal ?? { stopped: false };
  const started = Date.now();
  const todo = options.tasks.filter((task) => !journal.has(task.externalId));
  const tally: EnrollTally = {
    planned: options.tasks.length,
    alreadyDone: options.tasks.length - todo.length,
    enrolled: 0,
    alreadyOnServer: 0,
    failed: new Map(),
    elapsedMs: 0,
    interrupted: false,
  };
  const failures: EnrollResult['failures'] = [];
  let aborted: string | undefined;
  options.progress?.start(tally.planned, tally.alreadyDone);

  try {
    await runPool(
      todo,
      options.concurrency,
      async (task) => {
        try {
          const face = await withRetry(
            () =>
              options.client.postPhotos<EnrolledFace>(
                `/v1/collections/${seg(options.collection)}/identities/${seg(task.identityId)}/faces`,
                { image: task.path },
                { externalId: task.externalId, minQuality: options.minQuality },
              ),
            options.retry ?? DEFAULT_RETRY,
          );
          await journal.record({ externalId: task.externalId, identityId: task.identityId, faceId: face.faceId });
          tally.enrolled++;
          if (face.created === false) tally.alreadyOnServer++;
        } catch (err) {
          const error = err instanceof ApiError ? err : new ApiError(0, 'CLIENT_ERROR', (err as Error).message, false);
          if (error.code === 'UNREACHABLE' || error.status === 401 || error.status === 403 || error.code === 'COLLECTION_NOT_FOUND') {
            // Nothing after this photo can succeed either: stop rather than fail every photo.
            aborted ??= `${error.code}: ${error.message}`;
            stop.stopped = true;
            return;
          }
          failures.push({ path: task.path, identityId: task.identityId, code: error.code, message: error.message });
          tally.failed.set(error.code, (tally.failed.get(error.code) ?? 0) + 1);
        }
        tally.elapsedMs = Date.now() - started;
        options.progress?.advance(tally);
      },
      () => stop.stopped,
    );
  } finally {
    options.progress?.stop();
    await journal.close();
  }
  tally.elapsedMs = Date.now() - started;
  tally.interrupted = stop.stopped;
  if (failures.length) await writeFile(options.failuresPath, formatFailures(failures));
  return { tally, failures, aborted };
}
