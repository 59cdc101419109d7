import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GraphReachability } from './graph-reachability';
import type { ReachabilityWorkerData, ReachabilityWorkerReply, SnapshotReachability } from './reachability-protocol';

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
    const onMessage = (message: ReachabilityWorkerReply): void => {
      settled = true;
      worker.off('message', onMessage);
      if (message.ok) resolve(message.reachability as T);
      else reject(new Error(message.message));
      void worker.terminate();
    };
    worker.on('message', onMessage);
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
 * The same for an index file's bytes, already read into shared memory (the caller reads it through
 * the store's file system, in paced steps), with the vectors of the unreachable nodes. The worker
 * parses the bytes where they are: nothing is copied between the threads.
 */
export function reachabilityOfBytes(shared: SharedArrayBuffer): Promise<SnapshotReachability> {
  return answerOf<SnapshotReachability>(startWorker({ shared }));
}
