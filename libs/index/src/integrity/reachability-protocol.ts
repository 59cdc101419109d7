import type { GraphReachability } from './graph-reachability';

/**
 * workerData of a reachability worker thread: the hnswlib index file to read itself (`path`), or
 * the whole file's bytes, read by the parent into memory the two threads share (`shared`), so that
 * the parent reads through the store's file system in paced steps and nothing is copied between
 * the threads: posting each 1 MB step (as before) cost a copy on the event loop, a second in the
 * worker as it received it and a third into its buffer, and the worker's garbage collector ran
 * for every step's buffer (at 200k: ~90 ms of the event loop and ~0.9 s of the worker's CPU per
 * check, the worker's GC helpers not at its lower priority).
 */
export type ReachabilityWorkerData = { path: string } | { shared: SharedArrayBuffer };

/**
 * The answer for a file's bytes also carries the vector the file holds under each unreachable label
 * (unreachableVectors: dimension floats per label, in the order of unreachableLabels), so the
 * caller can tell whether the live index still holds that very node (see pinnable-faces.ts).
 */
export interface SnapshotReachability extends GraphReachability {
  dimension: number;
  unreachableVectors: Float32Array;
}

export type ReachabilityWorkerReply = { ok: true; reachability: GraphReachability | SnapshotReachability } | { ok: false; message: string };
