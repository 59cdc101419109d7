import type { SnapshotReachability } from './reachability-protocol';

/** What deciding needs of the live collection (CollectionIndex). */
export interface LiveLabels {
  faceOfLabel(label: number): { identityId: string; faceId: string } | null;
  isPinned(label: number): boolean;
  indexedPoint(label: number): number[] | null;
}

/**
 * Of the nodes a snapshot's graph cannot reach, the faces to pin in the live collection: those
 * whose label still names a face, not pinned yet, with the very vector the snapshot holds under
 * it. The snapshot may be older than the live index: a label deleted since owns no face; labels
 * are never reused and a face's new vector is a new label, so a label with another vector means
 * another graph (a collection rebuilt by a repair, or dropped and created again): its node in the
 * snapshot says nothing about the live one. Pure: no I/O, nothing changed.
 */
export function pinnableFaces(live: LiveLabels, graph: SnapshotReachability): { identityId: string; faceId: string }[] {
  const faces: { identityId: string; faceId: string }[] = [];
  graph.unreachableLabels.forEach((label, i) => {
    const face = live.faceOfLabel(label);
    if (face === null || live.isPinned(label)) return;
    const vector = graph.unreachableVectors.subarray(i * graph.dimension, (i + 1) * graph.dimension);
    if (sameVector(live.indexedPoint(label), vector)) faces.push(face);
  });
  return faces;
}

function sameVector(live: number[] | null, stored: Float32Array): boolean {
  if (live === null || live.length !== stored.length) return false;
  for (let i = 0; i < stored.length; i++) if (live[i] !== stored[i]) return false;
  return true;
}

/**
 * The graph's unreachable labels (with their vectors) in slices of at most `size`, in order: the
 * pinning decides and logs one slice per turn of the writers' lock, so that the first check after
 * a big fill (hundreds of cut-off faces, ~40 µs of getPoint and copying each) does not hold writers
 * for one long turn (32.9 ms at 1M, bench/store/README.md).
 */
export function* reachabilitySlices(graph: SnapshotReachability, size: number): Generator<SnapshotReachability> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`slice size must be a positive integer, got ${size}`);
  const { dimension } = graph;
  for (let at = 0; at < graph.unreachableLabels.length; at += size) {
    const end = Math.min(at + size, graph.unreachableLabels.length);
    yield {
      dimension,
      unreachableLabels: graph.unreachableLabels.slice(at, end),
      unreachableVectors: graph.unreachableVectors.subarray(at * dimension, end * dimension),
      noIncomingLabels: [],
    };
  }
}
