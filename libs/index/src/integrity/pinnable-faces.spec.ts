import { describe, expect, it } from 'vitest';
import { pinnableFaces, type LiveLabels } from './pinnable-faces';
import type { SnapshotReachability } from './reachability-protocol';

const DIM = 3;

/** A live collection: label -> face and vector; `pinned` labels are pinned already. */
function live(faces: Record<number, { face: string; vector: number[] }>, pinned: number[] = []): LiveLabels {
  return {
    faceOfLabel: (label) => (faces[label] ? { identityId: faces[label].face, faceId: 'f0' } : null),
    isPinned: (label) => pinned.includes(label),
    indexedPoint: (label) => faces[label]?.vector ?? null,
  };
}

function snapshotWith(unreachable: Record<number, number[]>): SnapshotReachability {
  const labels = Object.keys(unreachable).map(Number);
  return {
    unreachableLabels: labels,
    noIncomingLabels: labels,
    dimension: DIM,
    unreachableVectors: Float32Array.from(labels.flatMap((label) => unreachable[label])),
  };
}

describe('pinnableFaces (which of a snapshot graph\'s unreachable nodes to pin in the live collection)', () => {
  const v = (x: number): number[] => [x, 0.5, -0.25]; // exact in float32

  it('pins a node the snapshot cannot reach whose label still names a face with the same vector', () => {
    expect(pinnableFaces(live({ 7: { face: 'p7', vector: v(1) } }), snapshotWith({ 7: v(1) }))).toEqual([{ identityId: 'p7', faceId: 'f0' }]);
  });

  it('skips a label deleted since the snapshot (it names no face now)', () => {
    expect(pinnableFaces(live({}), snapshotWith({ 7: v(1) }))).toEqual([]);
  });

  it('skips a label that now holds another vector (the collection was rebuilt or created again since the snapshot)', () => {
    expect(pinnableFaces(live({ 7: { face: 'p7', vector: v(2) } }), snapshotWith({ 7: v(1) }))).toEqual([]);
  });

  it('skips faces pinned already, and keeps each vector with its own label', () => {
    const faces = { 1: { face: 'p1', vector: v(1) }, 2: { face: 'p2', vector: v(2) }, 3: { face: 'p3', vector: v(3) } };
    expect(pinnableFaces(live(faces, [2]), snapshotWith({ 1: v(1), 2: v(2), 3: v(3) }))).toEqual([
      { identityId: 'p1', faceId: 'f0' },
      { identityId: 'p3', faceId: 'f0' },
    ]);
    // Vectors swapped between labels: neither matches its label.
    expect(pinnableFaces(live(faces), snapshotWith({ 1: v(3), 3: v(1) }))).toEqual([]);
  });
});
