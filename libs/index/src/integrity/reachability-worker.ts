/**
 * Entry point of a one-shot worker thread: reads the hnswlib index file named in workerData,
 * computes its graph's reachability and posts it back. Parsing and walking a 1M-element graph
 * takes seconds of CPU; here it blocks this thread, not the shard's event loop.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadsPriority } from './background-thread-priority';
import { graphReachability } from './graph-reachability';
import { parseHnswIndexFile } from './hnsw-graph-file';
import type { ReachabilityWorkerData, ReachabilityWorkerReply } from './reachability-protocol';

// Seconds of CPU that must not take turns with the shard's event loop on a busy machine.
lowerThisThreadsPriority();
const { path } = workerData as ReachabilityWorkerData;
let reply: ReachabilityWorkerReply;
try {
  reply = { ok: true, reachability: graphReachability(parseHnswIndexFile(readFileSync(path))) };
} catch (error) {
  reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
}
parentPort?.postMessage(reply);
