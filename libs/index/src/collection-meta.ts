import { Packr } from 'msgpackr';
import type { Attributes, CollectionSpec, FaceMeta, Metric } from '@faceshard/contracts';
import type { FreedFaceTuple } from './freed-faces';

/** What a snapshot keeps beside each hnswlib index file: who owns which label, and the allocator. */
export interface CollectionMeta {
  nextLabel: number;
  freeLabels: number[];
  identities: { identityId: string; attributes?: Attributes; faceIds: string[]; labels: number[]; faceMeta?: Record<string, FaceMeta>; version?: number }[];
  /** Deleted ids with the version of their delete. Absent in snapshots from before versions. */
  tombstones?: { identityId: string; version: number }[];
  /** Labels of faces the HNSW graph cut off, answered by an exact scan beside the graph (absent in older snapshots). */
  pinnedLabels?: number[];
  /** Each removed face's deleted node, which its return with the same vector revives (freed-faces.ts; absent: none, or an older snapshot). */
  freedFaces?: FreedFaceTuple[];
}

/** The snapshot's table of contents: which LSN it covers and one entry per collection. */
export interface SnapshotManifest {
  version: 1;
  lsn: number;
  /**
   * indexBytes: size of the hnswlib file, checked before hnswlib reads it (it trusts its input).
   * indexCrc32: CRC32 of that file, checked before loading too (absent in snapshots made before
   * 28 Nov 2026: not checked). The index file is the only copy of the faces' vectors.
   */
  collections: { spec: CollectionSpec; indexFile: string | null; indexBytes: number; indexCrc32?: number; metaFile: string }[];
  /** Highest dropped generation per collection name (absent in snapshots from before generations). */
  dropped?: Record<string, number>;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export type IdentityMeta = CollectionMeta['identities'][number];
export type IdentityTuple = [string, Attributes | null, string[], number[], (Record<string, FaceMeta> | null)?, number?];

// Identities as tuples: [id, attributes|null, faceIds, labels, faceMeta|null, version] keeps large
// snapshots compact. Tombstones as [id, version]. Older snapshots: 4 or 5 elements, no `t`.
export function identityTuple(e: IdentityMeta): IdentityTuple {
  return [e.identityId, e.attributes === undefined ? null : e.attributes, e.faceIds, e.labels, e.faceMeta ?? null, e.version ?? 0];
}

export function fromIdentityTuple([identityId, attributes, faceIds, labels, faceMeta, version = 0]: IdentityTuple): IdentityMeta {
  if (faceIds.length !== labels.length) throw new Error(`metadata of ${identityId}: faces and labels differ in length`);
  const entry: IdentityMeta = attributes === null ? { identityId, faceIds, labels, version } : { identityId, attributes, faceIds, labels, version };
  if (faceMeta !== undefined && faceMeta !== null) entry.faceMeta = faceMeta;
  return entry;
}

export function encodeMeta(meta: CollectionMeta): Uint8Array {
  return packr.pack({
    n: meta.nextLabel,
    f: meta.freeLabels,
    i: meta.identities.map(identityTuple),
    t: (meta.tombstones ?? []).map((t) => [t.identityId, t.version]),
    ...(meta.pinnedLabels?.length ? { p: meta.pinnedLabels } : {}),
    ...(meta.freedFaces?.length ? { r: meta.freedFaces } : {}),
  });
}

export function decodeMeta(body: Uint8Array): CollectionMeta {
  const raw = packr.unpack(body) as { n: number; f: number[]; i: IdentityTuple[]; t?: [string, number][]; p?: number[]; r?: FreedFaceTuple[] };
  return {
    nextLabel: raw.n,
    freeLabels: raw.f,
    identities: raw.i.map(fromIdentityTuple),
    tombstones: (raw.t ?? []).map(([identityId, version]) => ({ identityId, version })),
    ...(raw.p?.length ? { pinnedLabels: raw.p } : {}),
    ...(raw.r?.length ? { freedFaces: raw.r } : {}),
  };
}

export function encodeManifest(manifest: SnapshotManifest): Uint8Array {
  return packr.pack(manifest);
}

export function decodeManifest(body: Uint8Array): SnapshotManifest {
  const raw = packr.unpack(body) as SnapshotManifest;
  if (raw.version !== 1 || !Number.isSafeInteger(raw.lsn) || !Array.isArray(raw.collections)) throw new Error('unrecognised snapshot manifest');
  for (const c of raw.collections) {
    const spec: CollectionSpec = { name: c.spec.name, dimension: c.spec.dimension, metric: c.spec.metric as Metric };
    if (c.spec.generation !== undefined) spec.generation = c.spec.generation;
    c.spec = spec;
  }
  return raw;
}
