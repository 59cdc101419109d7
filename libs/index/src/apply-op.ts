import { CollectionIndex, type HnswParams, type NewVectorIndex } from './collection-index';
import type { WalOp } from './wal-ops';
import { applyCollectionOp, prepareCollectionOp } from './collection-op';

/** The state log records change: collections by name, and the highest dropped generation per name. */
export interface StoreCatalog {
  collections: Map<string, CollectionIndex>;
  dropped: Map<string, number>;
}

export function generationOf(collection: CollectionIndex): number {
  return collection.spec.generation ?? 0;
}

/**
 * The one place state changes: used live (after logging) and by recovery (replaying the log).
 * Deterministic: the same records applied to the same state give the same state, labels included.
 */
export function applyOp(catalog: StoreCatalog, op: WalOp, params: HnswParams, newIndex?: NewVectorIndex): void {
  const { collections, dropped } = catalog;
  switch (op.type) {
    case 'create':
      if (collections.has(op.spec.name)) throw new Error(`log creates existing collection ${op.spec.name}`);
      collections.set(op.spec.name, CollectionIndex.create(op.spec, params, newIndex));
      return;
    case 'drop': {
      const existing = collections.get(op.name);
      if (existing && (op.generation === undefined || generationOf(existing) <= op.generation)) collections.delete(op.name);
      if (op.generation !== undefined && op.generation > (dropped.get(op.name) ?? 0)) dropped.set(op.name, op.generation);
      return;
    }
    default: {
      const collection = required(collections, op.collection, `${op.type}s in`);
      applyCollectionOp(collection, prepareCollectionOp(collection, op));
      return;
    }
  }
}

function required(collections: Map<string, CollectionIndex>, name: string, what: string): CollectionIndex {
  const collection = collections.get(name);
  if (!collection) throw new Error(`log ${what} missing collection ${name}`);
  return collection;
}
