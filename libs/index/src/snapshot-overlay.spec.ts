import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdentityUpsert, VersionedIdentity } from '@faceshard/contracts';
import { CollectionIndex, DEFAULT_HNSW } from './collection-index';
import { applyCollectionOp, type CollectionOp } from './collection-op';
import { VectorTable } from './integrity/vector-table';
import { SnapshotOverlay } from './snapshot-overlay';

// Metric 'ip' keeps vectors exactly as given, so exact scores can be compared bit for bit.
const spec = { name: 'g', dimension: 3, metric: 'ip' as const };
const params = { ...DEFAULT_HNSW, initialCapacity: 16 };
const ids = ['a', 'b', 'c', 'd'];
const newCollection = (): CollectionIndex => CollectionIndex.create(spec, params, () => new VectorTable());

const vector = fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 3, maxLength: 3 }).map((v) => Float32Array.from(v));
const faces = fc.uniqueArray(fc.tuple(fc.constantFrom('f0', 'f1', 'f2'), vector), { maxLength: 3, selector: ([faceId]) => faceId });

type Generated =
  | { kind: 'upsert'; id: string; mode: 'replace' | 'append'; faces: [string, Float32Array][]; team?: string; remove: string[] }
  | { kind: 'delete'; id: string }
  | { kind: 'apply'; id: string; version: number; deleted: boolean; faces: [string, Float32Array][] }
  | { kind: 'purge'; id: string }
  | { kind: 'pin'; id: string; face: string };

const generated: fc.Arbitrary<Generated> = fc.oneof(
  fc.record({
    kind: fc.constant('upsert' as const),
    id: fc.constantFrom(...ids),
    mode: fc.constantFrom('replace' as const, 'append' as const),
    faces,
    team: fc.option(fc.constantFrom('red', 'blue'), { nil: undefined }),
    remove: fc.subarray(['f0', 'f1']),
  }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom(...ids) }),
  fc.record({ kind: fc.constant('apply' as const), id: fc.constantFrom(...ids), version: fc.integer({ min: 0, max: 60 }), deleted: fc.boolean(), faces }),
  fc.record({ kind: fc.constant('purge' as const), id: fc.constantFrom(...ids) }),
  fc.record({ kind: fc.constant('pin' as const), id: fc.constantFrom(...ids), face: fc.constantFrom('f0', 'f1') }),
);

/** The op as the store would log it: client writes get the next version of a shared clock. */
function toOp(target: CollectionIndex, g: Generated, clock: { next: number }): CollectionOp {
  switch (g.kind) {
    case 'upsert': {
      const upsert: IdentityUpsert = { identityId: g.id, mode: g.mode, faces: g.faces.map(([faceId, v]) => ({ faceId, vector: v })) };
      if (g.team) upsert.attributes = { team: g.team };
      if (g.mode === 'append' && g.remove.length > 0) upsert.removeFaceIds = g.remove;
      return { type: 'upsert', prepared: target.prepareUpsert([upsert]), versions: [clock.next++] };
    }
    case 'delete':
      return { type: 'delete', identityIds: [g.id], versions: [clock.next++] };
    case 'apply': {
      const entry: VersionedIdentity = g.deleted ? { identityId: g.id, version: g.version, deleted: true } : { identityId: g.id, version: g.version, faces: g.faces.map(([faceId, v]) => ({ faceId, vector: v })) };
      return { type: 'apply', prepared: target.prepareVersioned([entry]) };
    }
    case 'purge':
      return { type: 'purge', identityIds: [g.id] };
    case 'pin':
      return { type: 'pin', faces: [{ identityId: g.id, faceId: g.face }] };
  }
}

type Reads = Pick<CollectionIndex, 'get' | 'stampOf' | 'exportVersioned' | 'identityIds' | 'tombstoneList' | 'identityCount' | 'faceCount' | 'search'>;

/** Everything a reader of the collection can see, searches aside. */
function visible(reads: Reads) {
  return {
    identities: ids.map((id) => [reads.get(id), reads.stampOf(id), reads.exportVersioned(id)]),
    ids: [...reads.identityIds()].sort(),
    tombstones: [...reads.tombstoneList()].sort((x, y) => x.identityId.localeCompare(y.identityId)),
    counts: [reads.identityCount, reads.faceCount],
  };
}

/**
 * Searches answer the same: the same scores, each hit an identity with that best score in the
 * reference. (Among hits scoring exactly the same, which identity or face answers depends on label
 * order, in hnswlib as here: not compared.)
 */
function expectSameSearches(overlay: Reads, reference: Reads, queries: Float32Array[]): void {
  for (const query of queries) {
    for (const [k, options] of [[2, {}], [4, { minScore: 1 }], [3, { filter: { team: 'red' } }]] as const) {
      const got = overlay.search(query, k, options);
      const want = reference.search(query, k, options);
      expect(got.map((hit) => hit.score)).toEqual(want.map((hit) => hit.score));
      const everyBest = new Map(reference.search(query, ids.length, options).map((hit) => [hit.identityId, hit.score]));
      for (const hit of got) expect(everyBest.get(hit.identityId)).toBe(hit.score);
      expect(new Set(got.map((hit) => hit.identityId)).size).toBe(got.length);
    }
  }
}

/** The collection's whole internal state, labels included (what replaying the log must reproduce). */
function internals(collection: CollectionIndex) {
  return {
    faces: collection.faceLabels().map((f) => ({ ...f, point: collection.indexedPoint(f.label) })),
    meta: collection.meta(),
    counts: collection.debugCounts(),
    pinned: collection.pinnedCount,
  };
}

describe('SnapshotOverlay (writes go on while a snapshot has the collection frozen)', () => {
  it('reads through the overlay equal reads of a collection that took every change at once, and draining reaches exactly its state', () => {
    fc.assert(
      fc.property(fc.array(generated, { maxLength: 14 }), fc.array(generated, { maxLength: 14 }), fc.array(vector, { minLength: 1, maxLength: 3 }), (before, during, queries) => {
        const main = newCollection();
        const reference = newCollection();
        const clock = { next: 1 };
        for (const g of before) {
          const op = toOp(main, g, clock);
          applyCollectionOp(main, op);
          applyCollectionOp(reference, op);
        }
        const frozen = internals(main);
        const overlay = new SnapshotOverlay(main, params);
        for (const g of during) {
          const op = toOp(main, g, clock);
          overlay.defer(op);
          applyCollectionOp(reference, op);
          expect(visible(overlay)).toEqual(visible(reference));
          expectSameSearches(overlay, reference, queries);
        }
        expect(internals(main)).toEqual(frozen); // nothing touched the frozen collection
        // Drained a few changes at a time, reads stay right throughout.
        while (!overlay.drain(0, (apply) => apply())) {
          expect(visible(overlay)).toEqual(visible(reference));
          expectSameSearches(overlay, reference, queries);
        }
        expect(overlay.pending).toBe(0);
        expect(internals(main)).toEqual(internals(reference));
      }),
      { numRuns: 300 },
    );
  });

  it('once thawing, a writer applies twice as many queued changes as it adds: a steady writer shrinks the queue, so the thaw ends', () => {
    const main = newCollection();
    const overlay = new SnapshotOverlay(main, params);
    const upsert = (id: string, version: number): CollectionOp => ({ type: 'upsert', prepared: main.prepareUpsert([{ identityId: id, mode: 'replace', faces: [{ faceId: 'f0', vector: Float32Array.from([1, 2, 3]) }] }]), versions: [version] });
    for (let i = 0; i < 50; i++) overlay.defer(upsert(`frozen-${i}`, i + 1));
    expect(overlay.pending).toBe(50); // frozen: nothing reaches the collection
    expect(main.identityCount).toBe(0);
    expect(overlay.drain(0, (apply) => apply())).toBe(false); // the thaw's first slice (one change at budget 0)
    let pending = overlay.pending;
    // No more thaw slices: the writer alone empties the queue, one change per write.
    for (let i = 0; i < 200; i++) {
      overlay.defer(upsert(`during-${i}`, 100 + i));
      expect(overlay.pending).toBe(Math.max(0, pending - 1));
      pending = overlay.pending;
    }
    expect(overlay.pending).toBe(0);
    expect(main.identityCount).toBe(250);
  });

  it('a search asks the frozen collection for more when identities changed since the freeze crowd out its best hits', () => {
    const main = newCollection();
    const prepared = main.prepareUpsert(ids.map((id, i) => ({ identityId: id, mode: 'replace' as const, faces: [{ faceId: 'f0', vector: Float32Array.from([4 - i, 0, 0]) }] })));
    applyCollectionOp(main, { type: 'upsert', prepared, versions: [1, 2, 3, 4] });
    const overlay = new SnapshotOverlay(main, params);
    overlay.defer({ type: 'delete', identityIds: ['a', 'b'], versions: [5, 6] });
    expect(overlay.search(Float32Array.from([1, 0, 0]), 2).map((hit) => hit.identityId)).toEqual(['c', 'd']);
    expect(main.has('a')).toBe(true);
  });
});
