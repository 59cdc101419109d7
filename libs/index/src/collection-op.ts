import type { CollectionIndex, PreparedIdentity, PreparedVersioned } from './collection-index';
import type { WalOp } from './wal-ops';

/**
 * A logged change of one collection's contents, validated and ready to apply (vectors prepared
 * once). The store applies it at once, or, while a snapshot has the collection frozen, queues it
 * and applies it afterwards (see snapshot-overlay.ts); recovery gets it from the log record.
 */
export type CollectionOp =
  | { type: 'upsert'; prepared: PreparedIdentity[]; versions?: number[] }
  | { type: 'delete'; identityIds: string[]; versions?: number[] }
  | { type: 'apply'; prepared: PreparedVersioned[] }
  | { type: 'purge'; identityIds: string[] }
  | { type: 'pin'; faces: { identityId: string; faceId: string }[] };

/** The collection-level log records, by the name of the collection they change. */
export type CollectionWalOp = Extract<WalOp, { collection: string }>;

export function isCollectionWalOp(op: WalOp): op is CollectionWalOp {
  return 'collection' in op;
}

/** Validates a logged record's content into a CollectionOp (validation is the collection's: its dimension). */
export function prepareCollectionOp(collection: CollectionIndex, op: CollectionWalOp): CollectionOp {
  switch (op.type) {
    case 'upsert':
      return { type: 'upsert', prepared: collection.prepareUpsert(op.identities), versions: op.versions };
    case 'apply':
      return { type: 'apply', prepared: collection.prepareVersioned(op.entries) };
    case 'delete':
      return { type: 'delete', identityIds: op.identityIds, versions: op.versions };
    case 'purge':
      return { type: 'purge', identityIds: op.identityIds };
    case 'pin':
      return { type: 'pin', faces: op.faces };
  }
}

/** Applies in order; deterministic (same state + same op -> same state, labels included). */
export function applyCollectionOp(collection: CollectionIndex, op: CollectionOp): void {
  switch (op.type) {
    case 'upsert':
      op.prepared.forEach((prepared, i) => collection.applyIdentity(prepared, op.versions?.[i] ?? 0));
      return;
    case 'delete':
      collection.applyDelete(op.identityIds, op.versions);
      return;
    case 'apply':
      for (const entry of op.prepared) collection.applyVersioned(entry);
      return;
    case 'purge':
      collection.purgeTombstones(op.identityIds);
      return;
    case 'pin':
      for (const face of op.faces) collection.pinFace(face.identityId, face.faceId);
      return;
  }
}

/**
 * The same change as one op per identity (or face), in order: applying them one after another is
 * applying the whole (each identity's change depends only on that identity's state), which lets a
 * queue be worked off in short slices.
 */
export function splitCollectionOp(op: CollectionOp): CollectionOp[] {
  switch (op.type) {
    case 'upsert':
      return op.prepared.map((prepared, i) => ({ type: 'upsert', prepared: [prepared], versions: op.versions ? [op.versions[i]] : undefined }));
    case 'delete':
      return op.identityIds.map((identityId, i) => ({ type: 'delete', identityIds: [identityId], versions: op.versions ? [op.versions[i]] : undefined }));
    case 'apply':
      return op.prepared.map((entry) => ({ type: 'apply', prepared: [entry] }));
    case 'purge':
      return op.identityIds.map((identityId) => ({ type: 'purge', identityIds: [identityId] }));
    case 'pin':
      return op.faces.map((face) => ({ type: 'pin', faces: [face] }));
  }
}

/** Ids whose data the op changes (a pin changes none: it only widens searches). */
export function identitiesChangedBy(op: CollectionOp): string[] {
  switch (op.type) {
    case 'upsert':
    case 'apply':
      return op.prepared.map((entry) => entry.identityId);
    case 'delete':
    case 'purge':
      return op.identityIds;
    case 'pin':
      return [];
  }
}
