import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOp, type StoreCatalog } from '../apply-op';
import { DEFAULT_HNSW } from '../collection-index';
import type { WalOp } from '../wal-ops';
import { VectorTable } from './vector-table';

const params = { ...DEFAULT_HNSW, initialCapacity: 16 };
const spec = { name: 'g', dimension: 3, metric: 'cosine' as const };

/** Face -> vector as a collection holds it. */
function contents(catalog: StoreCatalog): Record<string, number[]> {
  const collection = catalog.collections.get('g');
  if (!collection) return {};
  return Object.fromEntries(collection.faceLabels().map(({ identityId, faceId, label }) => [`${identityId}/${faceId}`, collection.indexedPoint(label) as number[]]));
}

const op = fc.oneof(
  fc.record({
    kind: fc.constant('upsert' as const),
    id: fc.constantFrom('a', 'b', 'c'),
    mode: fc.constantFrom('replace' as const, 'append' as const),
    faces: fc.array(fc.tuple(fc.constantFrom('f0', 'f1', 'f2'), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 3, maxLength: 3 })), { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom('a', 'b', 'c', 'none') }),
  fc.record({ kind: fc.constant('pin' as const), id: fc.constantFrom('a', 'b'), face: fc.constantFrom('f0', 'f1') }),
);

type GeneratedOp =
  | { kind: 'upsert'; id: string; mode: 'replace' | 'append'; faces: [string, number[]][] }
  | { kind: 'delete'; id: string }
  | { kind: 'pin'; id: string; face: string };

function toWalOp(o: GeneratedOp): WalOp {
  if (o.kind === 'upsert') {
    return {
      type: 'upsert',
      collection: 'g',
      identities: [{ identityId: o.id, mode: o.mode, faces: o.faces.map(([faceId, v]) => ({ faceId, vector: Float32Array.from(v) })) }],
    };
  }
  if (o.kind === 'delete') return { type: 'delete', collection: 'g', identityIds: [o.id] };
  return { type: 'pin', collection: 'g', faces: [{ identityId: o.id, faceId: o.face }] };
}

describe('VectorTable (the integrity check replays the truth into it)', () => {
  it('a log applied over vector tables holds exactly what the same log applied over hnswlib holds', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const real: StoreCatalog = { collections: new Map(), dropped: new Map() };
        const table: StoreCatalog = { collections: new Map(), dropped: new Map() };
        const create: WalOp = { type: 'create', spec };
        applyOp(real, create, params);
        applyOp(table, create, params, () => new VectorTable());
        for (const o of ops) {
          applyOp(real, toWalOp(o), params);
          applyOp(table, toWalOp(o), params, () => new VectorTable());
        }
        expect(contents(table)).toEqual(contents(real));
        const [r, t] = [real.collections.get('g'), table.collections.get('g')];
        expect(t?.debugCounts()).toEqual(r?.debugCounts());
      }),
      { numRuns: 60 },
    );
  });

  it('answers like hnswlib for deleted and unknown labels', () => {
    const table = new VectorTable();
    table.addPoint([1, 2], 0);
    table.markDelete(0);
    expect(() => table.getPoint(0)).toThrow('Label not found');
    expect(() => table.getPoint(7)).toThrow('Label not found');
    expect(() => table.markDelete(0)).toThrow(/already deleted/);
    table.addPoint([3, 4], 0); // hnswlib: addPoint on a deleted label unmarks and overwrites it
    expect(table.getPoint(0)).toEqual([3, 4]);
    expect(table.getCurrentCount()).toBe(1);
  });
});
