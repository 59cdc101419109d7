import type { Attributes, CollectionSpec } from '@faceshard/contracts';
import type { CollectionMeta } from '../collection-meta';
import type { WalOp } from '../wal-ops';
import { prepareVector } from '../vector-math';

/** One identity as the snapshot + log say it is: attributes and face -> the float32 vector hnswlib must hold. */
export interface ExpectedIdentity {
  attributes?: Attributes;
  faces: Map<string, Float32Array>;
}

export interface ExpectedCollection {
  spec: CollectionSpec;
  identities: Map<string, ExpectedIdentity>;
}

/**
 * The source of truth for the integrity check: what the store must hold after the newest
 * snapshot and every log record after it. Built without hnswlib (a pure fold over the records),
 * mirroring CollectionIndex.applyIdentity / applyDelete: replace keeps exactly the given faces,
 * append adds or overwrites by faceId, attributes change only when given. Vectors are kept as
 * hnswlib stores them: float32, normalised for cosine.
 */
export class ExpectedState {
  readonly collections = new Map<string, ExpectedCollection>();

  /** A collection as a snapshot holds it: the metadata, and each label's vector from the snapshot's index. */
  addSnapshotCollection(spec: CollectionSpec, meta: CollectionMeta, vectorOfLabel: (label: number) => Float32Array): void {
    const identities = new Map<string, ExpectedIdentity>();
    for (const entry of meta.identities) {
      const identity: ExpectedIdentity = { faces: new Map() };
      if (entry.attributes !== undefined && entry.attributes !== null) identity.attributes = entry.attributes;
      entry.faceIds.forEach((faceId, i) => identity.faces.set(faceId, vectorOfLabel(entry.labels[i])));
      identities.set(entry.identityId, identity);
    }
    this.collections.set(spec.name, { spec: { ...spec }, identities });
  }

  apply(op: WalOp): void {
    switch (op.type) {
      case 'create':
        this.collections.set(op.spec.name, { spec: { name: op.spec.name, dimension: op.spec.dimension, metric: op.spec.metric }, identities: new Map() });
        return;
      case 'drop':
        this.collections.delete(op.name);
        return;
      case 'upsert': {
        const collection = this.require(op.collection);
        const { dimension, metric } = collection.spec;
        for (const upsert of op.identities) {
          let identity = collection.identities.get(upsert.identityId);
          if (!identity) {
            identity = { faces: new Map() };
            collection.identities.set(upsert.identityId, identity);
          }
          if (upsert.attributes !== undefined) identity.attributes = upsert.attributes;
          if (upsert.mode === 'replace') {
            const kept = new Set(upsert.faces.map((face) => face.faceId));
            for (const faceId of [...identity.faces.keys()]) if (!kept.has(faceId)) identity.faces.delete(faceId);
          }
          for (const face of upsert.faces) {
            identity.faces.set(face.faceId, Float32Array.from(prepareVector(face.vector, dimension, metric)));
          }
        }
        return;
      }
      case 'delete': {
        const collection = this.require(op.collection);
        for (const identityId of op.identityIds) collection.identities.delete(identityId);
        return;
      }
      case 'relink':
        return; // moves faces to new graph nodes; their vectors stay what they were
      default:
        throw new Error(`integrity check: log record type ${String((op as { type: unknown }).type)} is not known`);
    }
  }

  private require(name: string): ExpectedCollection {
    const collection = this.collections.get(name);
    if (!collection) throw new Error(`integrity check: the log writes to collection ${name}, which the log never created`);
    return collection;
  }
}

export function countFaces(collection: ExpectedCollection): number {
  let faces = 0;
  for (const identity of collection.identities.values()) faces += identity.faces.size;
  return faces;
}
