import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pinnableFaces, reachabilitySlices, type LiveLabels } from './pinnable-faces';
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

describe('reachabilitySlices (the pinning, one slice per turn of the writers\' lock)', () => {
  it('cuts the unreachable labels into slices of at most `size`, in order, each with its own vectors, and decides the same faces as the whole', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(500), { maxLength: 40 }), fc.integer({ min: 1, max: 12 }), (labels, size) => {
        const vectors = Object.fromEntries(labels.map((label) => [label, [label, label / 2, -label]]));
        const graph = snapshotWith(vectors);
        const slices = [...reachabilitySlices(graph, size)];
        expect(slices).toHaveLength(Math.ceil(graph.unreachableLabels.length / size));
        for (const slice of slices) {
          expect(slice.unreachableLabels.length).toBeLessThanOrEqual(size);
          expect(slice.unreachableVectors.length).toBe(slice.unreachableLabels.length * DIM);
          slice.unreachableLabels.forEach((label, i) => expect([...slice.unreachableVectors.subarray(i * DIM, (i + 1) * DIM)]).toEqual([label, label / 2, -label]));
        }
        expect(slices.flatMap((slice) => slice.unreachableLabels)).toEqual(graph.unreachableLabels);
        // Every other label is live with its vector: the slices together pin what the whole would.
        const collection = live(Object.fromEntries(labels.filter((l) => l % 2 === 0).map((l) => [l, { face: `p${l}`, vector: vectors[l] }])));
        expect(slices.flatMap((slice) => pinnableFaces(collection, slice))).toEqual(pinnableFaces(collection, graph));
      }),
    );
  });

  it('refuses a slice size that is not a positive integer', () => {
    expect(() => [...reachabilitySlices(snapshotWith({ 1: [1, 0.5, -0.25] }), 0)]).toThrow();
  });
});
