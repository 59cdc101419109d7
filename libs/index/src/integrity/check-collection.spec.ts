import { describe, expect, it } from 'vitest';
import type { ExpectedCollection } from './expected-state';
import { checkCollection, type InspectableCollection } from './check-collection';

/**
 * A collection by hand: faces -> labels, label -> stored vector (null = deleted), and a search
 * that answers exact nearest neighbours except for labels listed as `cutOff` (never returned).
 */
function fakeCollection(state: {
  faces: { identityId: string; faceId: string; label: number }[];
  points: (number[] | null)[];
  cutOff?: number[];
  indexElements?: number;
  attributes?: Record<string, Record<string, unknown>>;
}): InspectableCollection {
  const cutOff = new Set(state.cutOff ?? []);
  const ids = [...new Set(state.faces.map((f) => f.identityId))];
  return {
    labelCount: state.points.length,
    faceCount: state.faces.length,
    identityCount: ids.length,
    identityIds: () => ids,
    get: (identityId) =>
      ids.includes(identityId) ? { attributes: state.attributes?.[identityId], faceIds: state.faces.filter((f) => f.identityId === identityId).map((f) => f.faceId) } : null,
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

function expected(faces: Record<string, Record<string, number[]>>): ExpectedCollection {
  return {
    spec: { name: 'g', dimension: 2, metric: 'cosine' },
    identities: new Map(Object.entries(faces).map(([id, f]) => [id, { faces: new Map(Object.entries(f).map(([faceId, p]) => [faceId, Float32Array.from(p)])) }])),
  };
}

const options = { firstEf: 10, ef: 100, k: 1, unreachableLabels: null };

describe('checkCollection', () => {
  it('finds nothing wrong in a consistent collection', async () => {
    const live = fakeCollection({ faces: [{ identityId: 'a', faceId: 'x', label: 0 }, { identityId: 'b', faceId: 'y', label: 1 }], points: [[1, 0], [0, 1]] });
    const result = await checkCollection(live, expected({ a: { x: [1, 0] }, b: { y: [0, 1] } }), options);
    expect(result.issues.issues).toEqual([]);
    expect(result.searched).toBe(2);
  });

  it('reports a face the search never returns, with what it answered instead and whether the graph reaches it', async () => {
    const live = fakeCollection({ faces: [{ identityId: 'a', faceId: 'x', label: 0 }, { identityId: 'b', faceId: 'y', label: 1 }], points: [[1, 0], [0.75, 0.5]], cutOff: [0] });
    const result = await checkCollection(live, expected({ a: { x: [1, 0] }, b: { y: [0.75, 0.5] } }), { ...options, unreachableLabels: new Set([0]) });
    expect(result.issues.issues).toEqual([
      { kind: 'unfindable', identityId: 'a', faceId: 'x', label: 0, reachable: false, bestHit: { identityId: 'b', faceId: 'y', score: 0.75 } },
    ]);
    expect(result.issues.repairable).toHaveLength(1);
  });

  it('does not call a face unfindable when the exact answer agrees with the search (ip: a longer vector wins)', async () => {
    const live = fakeCollection({ faces: [{ identityId: 'a', faceId: 'x', label: 0 }, { identityId: 'b', faceId: 'y', label: 1 }], points: [[0.5, 0], [2, 0]] });
    const result = await checkCollection(live, expected({ a: { x: [0.5, 0] }, b: { y: [2, 0] } }), options);
    expect(result.issues.total).toBe(0);
  });

  it('reports every kind of drift from the source of truth', async () => {
    const live = fakeCollection({
      faces: [
        { identityId: 'a', faceId: 'x', label: 0 }, // vector differs from the log
        { identityId: 'a', faceId: 'extra', label: 1 }, // not on disk
        { identityId: 'b', faceId: 'y', label: 2 }, // its label is deleted in the index
        { identityId: 'ghost', faceId: 'g', label: 3 }, // identity not on disk
      ],
      points: [[1, 0], [0, 1], null, [0.6, 0.8], [0.7, 0.7]], // label 4: live in the index, no face owns it
      indexElements: 6,
      attributes: { a: { name: 'A' } },
    });
    const result = await checkCollection(live, expected({ a: { x: [0, 1], z: [1, 0] }, b: { y: [1, 0] }, c: { w: [1, 0] } }), options);
    const kinds = result.issues.issues.map((i) => i.kind).sort();
    expect(kinds).toEqual([
      'attributes-mismatch',
      'count-mismatch',
      'label-not-in-index',
      'missing-face',
      'missing-identity',
      'orphan-label',
      'unexpected-face',
      'unexpected-identity',
      'vector-mismatch',
    ]);
    expect(result.issues.issues).toContainEqual({ kind: 'vector-mismatch', identityId: 'a', faceId: 'x', label: 0, maxAbsDiff: 1 });
    expect(result.issues.issues).toContainEqual({ kind: 'count-mismatch', what: 'index-elements', expected: 5, actual: 6 });
    expect(result.issues.issues).toContainEqual({ kind: 'orphan-label', label: 4 });
    expect(result.deletedNodes).toBe(1);
  });
});
