import { describe, expect, it } from 'vitest';
import { countFaces, ExpectedState } from './expected-state';

const spec = { name: 'g', dimension: 2, metric: 'cosine' as const };
const v = (x: number, y: number) => new Float32Array([x, y]);

describe('ExpectedState (the source of truth the integrity check compares against)', () => {
  it('folds the log like the store applies it: replace keeps exactly the given faces, append adds or overwrites, attributes change only when given', () => {
    const state = new ExpectedState();
    state.apply({ type: 'create', spec });
    state.apply({ type: 'upsert', collection: 'g', identities: [{ identityId: 'a', mode: 'replace', attributes: { n: 1 }, faces: [{ faceId: 'x', vector: v(3, 4) }, { faceId: 'y', vector: v(0, 2) }] }] });
    state.apply({ type: 'upsert', collection: 'g', identities: [{ identityId: 'a', mode: 'replace', faces: [{ faceId: 'y', vector: v(2, 0) }] }] });
    state.apply({ type: 'upsert', collection: 'g', identities: [{ identityId: 'a', mode: 'append', faces: [{ faceId: 'z', vector: v(0, 5) }] }] });
    const a = state.collections.get('g')?.identities.get('a');
    expect(a?.attributes).toEqual({ n: 1 });
    expect([...(a?.faces.keys() ?? [])]).toEqual(['y', 'z']);
    // Cosine vectors are kept normalised and as float32, exactly what hnswlib holds.
    expect(Array.from(a?.faces.get('y') ?? [])).toEqual([1, 0]);
    expect(countFaces(state.collections.get('g')!)).toBe(2);
  });

  it('deletes identities, drops collections, and treats a relink as no change of data', () => {
    const state = new ExpectedState();
    state.apply({ type: 'create', spec });
    state.apply({ type: 'upsert', collection: 'g', identities: [{ identityId: 'a', mode: 'replace', faces: [{ faceId: 'x', vector: v(1, 0) }] }, { identityId: 'b', mode: 'replace', faces: [] }] });
    state.apply({ type: 'relink', collection: 'g', faces: [{ identityId: 'a', faceId: 'x' }] });
    expect(state.collections.get('g')?.identities.get('a')?.faces.size).toBe(1);
    state.apply({ type: 'delete', collection: 'g', identityIds: ['a', 'missing'] });
    expect([...(state.collections.get('g')?.identities.keys() ?? [])]).toEqual(['b']);
    state.apply({ type: 'drop', name: 'g' });
    expect(state.collections.size).toBe(0);
    expect(() => state.apply({ type: 'delete', collection: 'g', identityIds: ['b'] })).toThrow(/never created/);
  });

  it('starts from a snapshot: metadata plus each label vector', () => {
    const state = new ExpectedState();
    const vectors: Record<number, Float32Array> = { 4: v(1, 0), 7: v(0, 1) };
    state.addSnapshotCollection(spec, { nextLabel: 8, freeLabels: [], identities: [{ identityId: 'a', faceIds: ['x', 'y'], labels: [7, 4] }] }, (label) => vectors[label]);
    expect(Array.from(state.collections.get('g')?.identities.get('a')?.faces.get('x') ?? [])).toEqual([0, 1]);
  });
});
