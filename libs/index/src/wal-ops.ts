import { Packr } from 'msgpackr';
import type { Attributes, CollectionSpec, FaceMeta, FaceVector, IdentityUpsert, Metric, VersionedIdentity } from '@faceshard/contracts';

/**
 * The state changes the log records; replaying them in LSN order rebuilds the store.
 * Versions are logged as assigned (replay never re-assigns them). Records written before
 * versions existed have none: their identities load at version 0, their deletes leave no tombstone.
 */
export type WalOp =
  | { type: 'create'; spec: CollectionSpec }
  /** Drops the collection if its generation is <= `generation` (any, if absent) and remembers the generation as dropped. */
  | { type: 'drop'; name: string; generation?: number }
  | { type: 'upsert'; collection: string; identities: IdentityUpsert[]; versions?: number[] }
  /** `versions[i]` is the tombstone version of `identityIds[i]`. */
  | { type: 'delete'; collection: string; identityIds: string[]; versions?: number[] }
  /** Versioned copies (moves, catch-up): each applied only if newer than what is held. */
  | { type: 'apply'; collection: string; entries: VersionedIdentity[] }
  | { type: 'purge'; collection: string; identityIds: string[] }
  /** Faces the HNSW graph cut off: from now on searches also scan them exactly (see CollectionIndex.pinFace). */
  | { type: 'pin'; collection: string; faces: { identityId: string; faceId: string }[] };

export interface WalRecord {
  lsn: number;
  op: WalOp;
}

// Plain maps (no msgpackr records): the log must stay readable by any later version.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** Vectors travel as their raw float bytes (bin), never as number arrays. */
function vectorBytes(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** Copies into a fresh, aligned Float32Array (the source bytes sit at any offset of the record). */
function bytesToVector(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`vector byte length ${bytes.byteLength} is not a multiple of 4`);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

interface PackedIdentity {
  i: string;
  m: 'replace' | 'append';
  a?: Attributes;
  /** [faceId, vector bytes, metadata?] */
  f: ([string, Uint8Array] | [string, Uint8Array, FaceMeta])[];
  /** removeFaceIds */
  r?: string[];
}

/** A versioned entry: `x` marks a tombstone (no attributes, no faces). */
interface PackedVersioned {
  i: string;
  v: number;
  x?: 1;
  a?: Attributes;
  /** [faceId, vector bytes, metadata?], as in PackedIdentity */
  f?: PackedIdentity['f'];
}

function packVersioned(entry: VersionedIdentity): PackedVersioned {
  if (entry.deleted === true) return { i: entry.identityId, v: entry.version, x: 1 };
  const packed: PackedVersioned = { i: entry.identityId, v: entry.version, f: entry.faces.map(packFace) };
  if (entry.attributes !== undefined) packed.a = entry.attributes;
  return packed;
}

function unpackVersioned(packed: PackedVersioned): VersionedIdentity {
  if (packed.x === 1) return { identityId: packed.i, version: packed.v, deleted: true };
  const entry: VersionedIdentity = {
    identityId: packed.i,
    version: packed.v,
    faces: (packed.f ?? []).map(unpackFace),
  };
  if (packed.a !== undefined) entry.attributes = packed.a;
  return entry;
}

function packFace(face: FaceVector): PackedIdentity['f'][number] {
  return face.meta === undefined ? [face.faceId, vectorBytes(face.vector)] : [face.faceId, vectorBytes(face.vector), face.meta];
}

function unpackFace([faceId, bytes, meta]: PackedIdentity['f'][number]): FaceVector {
  return meta === undefined ? { faceId, vector: bytesToVector(bytes) } : { faceId, vector: bytesToVector(bytes), meta };
}

/** Optional fields are left out when absent, so old and new records decode alike. */
function withOptional<T extends Record<string, unknown>>(base: T, key: string, value: unknown): T {
  if (value !== undefined) (base as Record<string, unknown>)[key] = value;
  return base;
}

export function encodeWalRecord(record: WalRecord): Uint8Array {
  const { lsn, op } = record;
  switch (op.type) {
    case 'create':
      return packr.pack(withOptional({ l: lsn, t: 'c', n: op.spec.name, d: op.spec.dimension, x: op.spec.metric }, 'g', op.spec.generation));
    case 'drop':
      return packr.pack(withOptional({ l: lsn, t: 'x', n: op.name }, 'g', op.generation));
    case 'delete':
      return packr.pack(withOptional({ l: lsn, t: 'd', n: op.collection, ids: op.identityIds }, 'vs', op.versions));
    case 'apply':
      return packr.pack({ l: lsn, t: 'v', n: op.collection, e: op.entries.map(packVersioned) });
    case 'purge':
      return packr.pack({ l: lsn, t: 'p', n: op.collection, ids: op.identityIds });
    case 'pin':
      return packr.pack({ l: lsn, t: 'k', n: op.collection, f: op.faces.map((face) => [face.identityId, face.faceId]) });
    case 'upsert': {
      const ids: PackedIdentity[] = op.identities.map((identity) => {
        const packed: PackedIdentity = {
          i: identity.identityId,
          m: identity.mode,
          f: identity.faces.map(packFace),
        };
        if (identity.attributes !== undefined) packed.a = identity.attributes;
        if (identity.removeFaceIds !== undefined) packed.r = identity.removeFaceIds;
        return packed;
      });
      return packr.pack(withOptional({ l: lsn, t: 'u', n: op.collection, ids }, 'vs', op.versions));
    }
  }
}

export function decodeWalRecord(body: Uint8Array): WalRecord {
  const raw = packr.unpack(body) as Record<string, unknown>;
  const lsn = raw.l;
  if (typeof lsn !== 'number' || !Number.isSafeInteger(lsn) || lsn < 1) throw new Error('log record without a valid lsn');
  const name = raw.n as string;
  switch (raw.t) {
    case 'c': {
      const spec: CollectionSpec = { name, dimension: raw.d as number, metric: raw.x as Metric };
      if (raw.g !== undefined) spec.generation = raw.g as number;
      return { lsn, op: { type: 'create', spec } };
    }
    case 'x':
      return { lsn, op: withOptional({ type: 'drop' as const, name }, 'generation', raw.g) };
    case 'd':
      return { lsn, op: withOptional({ type: 'delete' as const, collection: name, identityIds: raw.ids as string[] }, 'versions', raw.vs) };
    case 'v':
      return { lsn, op: { type: 'apply', collection: name, entries: (raw.e as PackedVersioned[]).map(unpackVersioned) } };
    case 'p':
      return { lsn, op: { type: 'purge', collection: name, identityIds: raw.ids as string[] } };
    case 'k':
      return { lsn, op: { type: 'pin', collection: name, faces: (raw.f as [string, string][]).map(([identityId, faceId]) => ({ identityId, faceId })) } };
    case 'u': {
      const identities = (raw.ids as PackedIdentity[]).map((packed): IdentityUpsert => {
        const identity: IdentityUpsert = {
          identityId: packed.i,
          mode: packed.m,
          faces: packed.f.map(unpackFace),
        };
        if (packed.a !== undefined) identity.attributes = packed.a;
        if (packed.r !== undefined) identity.removeFaceIds = packed.r;
        return identity;
      });
      return { lsn, op: withOptional({ type: 'upsert' as const, collection: name, identities }, 'versions', raw.vs) };
    }
    default:
      throw new Error(`unknown log record type ${String(raw.t)}`);
  }
}
