import { describe, expect, it } from 'vitest';
import type { StoredIdentity } from '@faceshard/contracts';
import { checkCollection, type InspectableCollection } from './check-collection';

interface FakeState {
  faces: { identityId: string; faceId: string; label: number }[];
  /** label -> stored vector; null = deleted in the index. */
  points: (number[] | null)[];
  /** Labels the search never returns (cut off the graph). */
  cutOff?: number[];
  indexElements?: number;
  attributes?: Record<string, Record<string, unknown>>;
  versions?: Record<string, number>;
  tombstones?: Record<string, number>;
}

/** A collection by hand, with an exact search except for `cutOff` labels. */
function fake(state: FakeState): InspectableCollection {
  const cutOff = new Set(state.cutOff ?? []);
  const ids = [...new Set(state.faces.map((f) => f.identityId))];
  const get = (identityId: string): StoredIdentity | null => {
    if (!ids.includes(identityId)) return null;
    const stored: StoredIdentity = { identityId, faceIds: state.faces.filter((f) => f.identityId === identityId).map((f) => f.faceId) };
    if (state.attributes?.[identityId]) stored.attributes = state.attributes[identityId];
    return stored;
  };
  return {
    labelCount: state.points.length,
    faceCount: state.faces.length,
    identityCount: ids.length,
    identityIds: () => ids,
    get,
    stampOf: (identityId) => (ids.includes(identityId) ? { version: state.versions?.[identityId] ?? 0, deleted: false } : undefined),
    tombstoneList: () => Object.entries(state.tombstones ?? {}).map(([identityId, version]) => ({ identityId, version })),
    faceLabels: () => state.faces,
    faceOfLabel: (label) => state.faces.find((f) => f.label === label) ?? null,
    indexedPoint: (label) => state.points[label] ?? null,
    nearestLabels: (point, k) => {
      const scored = state.points
        .map((p, label) => ({ label, score: p && !cutOff.has(label) ? p.reduce((s, x, i) => s + x * point[i], 0) : -Infinity }))
        .filter((s) => s.score > -Infinity)
        .sort((a, b) => b.score - a.score)
        .slice(0, k);
      return { neighbors: scored.map((s) => s.label), distances: scored.map((s) => 1 - s.score) };
    },
    debugCounts: () => ({ indexElements: state.indexElements ?? state.points.length }),
  };
}

const options = { firstEf: 10, ef: 100, k: 1, unreachableLabels: null };
const twoFaces = [
  { identityId: 'a', faceId: 'x', label: 0 },
  { identityId: 'b', faceId: 'y', label: 1 },
];

describe('checkCollection', () => {
  it('finds nothing wrong when memory matches the truth and every face is found', async () => {
    const state = { faces: twoFaces, points: [[1, 0], [0, 1]] };
    const result = await checkCollection(fake(state), fake(state), options);
    expect(result.issues.issues).toEqual([]);
    expect(result.searched).toBe(2);
  });

  it('reports a face the search never returns, with what it answered instead and whether the graph reaches it', async () => {
    const state = { faces: twoFaces, points: [[1, 0], [0.75, 0.5]] };
    const result = await checkCollection(fake({ ...state, cutOff: [0] }), fake(state), { ...options, unreachableLabels: new Set([0]) });
    expect(result.issues.issues).toEqual([
      { kind: 'unfindable', identityId: 'a', faceId: 'x', label: 0, reachable: false, bestHit: { identityId: 'b', faceId: 'y', score: 0.75 } },
    ]);
    expect(result.issues.repairable).toHaveLength(1);
  });

  it('does not call a face unfindable when the exact answer agrees with the search (ip: a longer vector wins)', async () => {
    const state = { faces: twoFaces, points: [[0.5, 0], [2, 0]] };
    expect((await checkCollection(fake(state), fake(state), options)).issues.total).toBe(0);
  });

  it('reports every kind of drift from the truth', async () => {
    const live = fake({
      faces: [
        { identityId: 'a', faceId: 'x', label: 0 }, // vector differs from disk
        { identityId: 'a', faceId: 'extra', label: 1 }, // not on disk
        { identityId: 'b', faceId: 'y', label: 2 }, // its label is deleted in the index
        { identityId: 'ghost', faceId: 'g', label: 3 }, // identity not on disk
      ],
      points: [[1, 0], [0, 1], null, [0.6, 0.8], [0.7, 0.7]], // label 4: live in the index, no face owns it
      indexElements: 6,
      attributes: { a: { name: 'A' } },
      versions: { b: 3 },
      tombstones: { gone: 5 },
    });
    const truth = fake({
      faces: [
        { identityId: 'a', faceId: 'x', label: 0 },
        { identityId: 'a', faceId: 'z', label: 1 },
        { identityId: 'b', faceId: 'y', label: 2 },
        { identityId: 'c', faceId: 'w', label: 3 },
      ],
      points: [[0, 1], [1, 0], [1, 0], [1, 0]],
      versions: { b: 4 },
      tombstones: { gone: 6 },
    });
    const result = await checkCollection(live, truth, options);
    expect(result.issues.issues.map((i) => i.kind).sort()).toEqual([
      'count-mismatch',
      'identity-mismatch',
      'identity-mismatch',
      'label-not-in-index',
      'missing-face',
      'missing-identity',
      'orphan-label',
      'tombstone-mismatch',
      'unexpected-face',
      'unexpected-identity',
      'vector-mismatch',
    ]);
    expect(result.issues.issues).toContainEqual({ kind: 'vector-mismatch', identityId: 'a', faceId: 'x', label: 0, maxAbsDiff: 1 });
    expect(result.issues.issues).toContainEqual({ kind: 'identity-mismatch', identityId: 'a', field: 'attributes' });
    expect(result.issues.issues).toContainEqual({ kind: 'identity-mismatch', identityId: 'b', field: 'version' });
    expect(result.issues.issues).toContainEqual({ kind: 'tombstone-mismatch', identityId: 'gone', expected: 6, actual: 5 });
    expect(result.issues.issues).toContainEqual({ kind: 'count-mismatch', what: 'index-elements', expected: 5, actual: 6 });
    expect(result.issues.issues).toContainEqual({ kind: 'orphan-label', label: 4 });
    expect(result.deletedNodes).toBe(1);
  });
});
