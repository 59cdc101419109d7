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
