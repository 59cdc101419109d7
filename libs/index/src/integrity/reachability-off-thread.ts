import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GraphReachability } from './graph-reachability';
import { STREAM_AHEAD_BYTES, type ReachabilityChunk, type ReachabilityEnd, type ReachabilityWorkerData, type ReachabilityWorkerMessage, type SnapshotReachability } from './reachability-protocol';

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

/** The worker's one answer (it is stopped once it has answered, or when it fails); `onAck` gets its progress reports. */
function answerOf<T extends GraphReachability>(worker: Worker, onAck: (received: number) => void = () => undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const onMessage = (message: ReachabilityWorkerMessage): void => {
      if ('received' in message) return onAck(message.received);
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
 * The same for a file of `totalBytes` that `feed` reads and hands over piece by piece (`send`
 * copies a piece to the worker), with the vectors of the unreachable nodes. The caller reads, so
 * it can read through the store's file system and pace its reads; the worker only parses. `send`
 * waits while the worker (at a lower priority) is more than STREAM_AHEAD_BYTES behind, so the
 * pieces queued for it stay bounded (`aheadBytes`: for tests).
 */
export async function reachabilityOfStream(
  totalBytes: number,
  feed: (send: (at: number, bytes: Uint8Array) => Promise<void>) => Promise<void>,
  aheadBytes = STREAM_AHEAD_BYTES,
): Promise<SnapshotReachability> {
  const worker = startWorker({ streamedBytes: totalBytes });
  let sent = 0;
  let received = 0;
  let caughtUp: (() => void) | null = null;
  let failed = false;
  const answer = answerOf<SnapshotReachability>(worker, (bytes) => {
    received = bytes;
    caughtUp?.();
  });
  answer.catch(() => {
    failed = true; // awaited below; a worker that failed while being fed must not leave the feed waiting
    caughtUp?.();
  });
  const send = async (at: number, bytes: Uint8Array): Promise<void> => {
    while (sent - received > aheadBytes && !failed) await new Promise<void>((resolve) => (caughtUp = resolve));
    caughtUp = null;
    if (failed) throw new Error('the reachability worker stopped');
    worker.postMessage({ at, bytes } satisfies ReachabilityChunk);
    sent += bytes.length;
  };
  try {
    await feed(send);
  } catch (error) {
    const workerFailed = failed; // before terminate(), whose exit fails the answer too
    await worker.terminate();
    if (workerFailed) return answer; // the worker's own error says more
    throw error;
  }
  worker.postMessage({ end: true } satisfies ReachabilityEnd);
  return answer;
}
