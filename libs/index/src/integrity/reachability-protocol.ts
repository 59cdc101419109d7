import type { GraphReachability } from './graph-reachability';

/**
 * workerData of a reachability worker thread: the hnswlib index file to read itself (`path`), or
 * the size of a file whose bytes the parent streams to it (`streamedBytes`: ReachabilityChunk
 * messages, then ReachabilityEnd), so that the parent reads it through the store's file system in
 * paced steps.
 */
export type ReachabilityWorkerData = { path: string } | { streamedBytes: number };

/** Bytes [at, at + bytes.length) of the streamed file. */
export interface ReachabilityChunk {
  at: number;
  bytes: Uint8Array;
}

/** From the worker: it has copied this many bytes of the stream (sent every STREAM_ACK_BYTES). */
export interface ReachabilityAck {
  received: number;
}

/** How often the worker acknowledges, and how far the parent may run ahead of it. */
export const STREAM_ACK_BYTES = 8 * 1024 * 1024;
export const STREAM_AHEAD_BYTES = 64 * 1024 * 1024;

/** Every byte was sent: parse and answer. */
export interface ReachabilityEnd {
  end: true;
}

/**
 * A streamed file's answer also carries the vector the file holds under each unreachable label
 * (unreachableVectors: dimension floats per label, in the order of unreachableLabels), so the
 * caller can tell whether the live index still holds that very node (see pinnable-faces.ts).
 */
export interface SnapshotReachability extends GraphReachability {
  dimension: number;
  unreachableVectors: Float32Array;
}

export type ReachabilityWorkerReply = { ok: true; reachability: GraphReachability | SnapshotReachability } | { ok: false; message: string };
export type ReachabilityWorkerMessage = ReachabilityWorkerReply | ReachabilityAck;
