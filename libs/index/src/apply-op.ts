import { CollectionIndex, type HnswParams, type NewVectorIndex } from './collection-index';
import type { WalOp } from './wal-ops';

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
    case 'upsert': {
      const collection = required(collections, op.collection, 'upserts into');
      const versions = op.versions;
      collection.prepareUpsert(op.identities).forEach((prepared, i) => collection.applyIdentity(prepared, versions?.[i] ?? 0));
      return;
    }
    case 'delete':
      required(collections, op.collection, 'deletes from').applyDelete(op.identityIds, op.versions);
      return;
    case 'apply': {
      const collection = required(collections, op.collection, 'applies copies to');
      for (const entry of collection.prepareVersioned(op.entries)) collection.applyVersioned(entry);
      return;
    }
    case 'purge':
      required(collections, op.collection, 'purges tombstones of').purgeTombstones(op.identityIds);
      return;
    case 'pin': {
      const collection = required(collections, op.collection, 'pins faces in');
      for (const face of op.faces) collection.pinFace(face.identityId, face.faceId);
      return;
    }
  }
}

function required(collections: Map<string, CollectionIndex>, name: string, what: string): CollectionIndex {
  const collection = collections.get(name);
  if (!collection) throw new Error(`log ${what} missing collection ${name}`);
  return collection;
}
