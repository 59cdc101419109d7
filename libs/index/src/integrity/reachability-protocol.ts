import type { GraphReachability } from './graph-reachability';

/** workerData of a reachability worker thread: the hnswlib index file to read. */
export interface ReachabilityWorkerData {
  path: string;
}

export type ReachabilityWorkerReply = { ok: true; reachability: GraphReachability } | { ok: false; message: string };
