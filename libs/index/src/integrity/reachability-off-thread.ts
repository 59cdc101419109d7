import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GraphReachability } from './graph-reachability';
import type { ReachabilityChunk, ReachabilityEnd, ReachabilityWorkerData, ReachabilityWorkerReply, SnapshotReachability } from './reachability-protocol';

/**
 * Starts the worker entry next to this file: reachability-worker.js when compiled; when running
 * from TypeScript sources (vitest, tsx), reachability-worker.ts through tsx's CommonJS hook,
 * which a worker does not inherit from its parent.
 */
function startWorker(workerData: ReachabilityWorkerData): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(path.join(__dirname, 'reachability-worker.js'), { workerData });
  const req = createRequire(__filename);
  const bootstrap = `require(${JSON.stringify(req.resolve('tsx/cjs'))}); require(${JSON.stringify(path.join(__dirname, 'reachability-worker.ts'))});`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** The worker's one answer (it is stopped once it has answered, or when it fails). */
function answerOf<T extends GraphReachability>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.once('message', (reply: ReachabilityWorkerReply) => {
      settled = true;
      if (reply.ok) resolve(reply.reachability as T);
      else reject(new Error(reply.message));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`reachability worker exited with code ${code} before answering`));
    });
  });
}

/**
 * The reachability of the graph in an hnswlib index file (parseHnswIndexFile + graphReachability),
 * computed on a worker thread of its own: at 1M elements that is seconds of CPU which, on the
 * event loop, stalled the shard's searches and heartbeats. One thread per call: checks are rare
 * (see GraphUpkeep), and its memory (the whole file, the graph) goes when it exits.
 */
export function reachabilityOfFile(file: string): Promise<GraphReachability> {
  return answerOf(startWorker({ path: file }));
}

/**
 * The same for a file of `totalBytes` that `feed` reads and hands over piece by piece (`send`
 * copies a piece to the worker), with the vectors of the unreachable nodes. The caller reads, so
 * it can read through the store's file system and pace its reads; the worker only parses.
 */
export async function reachabilityOfStream(totalBytes: number, feed: (send: (at: number, bytes: Uint8Array) => void) => Promise<void>): Promise<SnapshotReachability> {
  const worker = startWorker({ streamedBytes: totalBytes });
  const answer = answerOf<SnapshotReachability>(worker);
  answer.catch(() => undefined); // awaited below; a failure while feeding must not leave it unhandled
  try {
    await feed((at, bytes) => worker.postMessage({ at, bytes } satisfies ReachabilityChunk));
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  worker.postMessage({ end: true } satisfies ReachabilityEnd);
  return answer;
}
