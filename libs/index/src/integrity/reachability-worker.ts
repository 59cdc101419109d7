/**
 * Entry point of a one-shot worker thread: reads the hnswlib index file named in workerData (or
 * parses its bytes, which the parent read into shared memory: ReachabilityWorkerData), computes its graph's
 * reachability and posts it back. Parsing and walking a 1M-element graph takes seconds of CPU;
 * here it blocks this thread (at a lower priority), not the shard's event loop.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadsPriority } from './background-thread-priority';
import { graphReachability, type GraphReachability } from './graph-reachability';
import { parseHnswIndexFile } from './hnsw-graph-file';
import type { ReachabilityWorkerData, ReachabilityWorkerReply, SnapshotReachability } from './reachability-protocol';

// Seconds of CPU that must not take turns with the shard's event loop on a busy machine.
lowerThisThreadsPriority();
const data = workerData as ReachabilityWorkerData;

function answer(compute: () => GraphReachability | SnapshotReachability): void {
  let reply: ReachabilityWorkerReply;
  try {
    reply = { ok: true, reachability: compute() };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
}

/** The graph's reachability, with the vectors of the unreachable nodes. */
function withVectors(bytes: Uint8Array): SnapshotReachability {
  const graph = parseHnswIndexFile(bytes);
  const reachability = graphReachability(graph);
  const unreachableVectors = new Float32Array(reachability.unreachableLabels.length * graph.dimension);
  const position = new Map(reachability.unreachableLabels.map((label, i) => [label, i]));
  // Each label found is taken out of the map: the walk ends once every unreachable node has its vector.
  for (let i = 0; i < graph.elementCount && position.size > 0; i++) {
    const at = position.get(graph.labelOf[i]);
    if (at === undefined || graph.deleted[i]) continue;
    unreachableVectors.set(graph.vectorOf(i), at * graph.dimension);
    position.delete(graph.labelOf[i]);
  }
  return { ...reachability, dimension: graph.dimension, unreachableVectors };
}

if ('path' in data) {
  answer(() => graphReachability(parseHnswIndexFile(readFileSync(data.path))));
} else {
  // The parent has read the whole file into memory both threads share: parsed in place.
  answer(() => withVectors(new Uint8Array(data.shared)));
}
