import { Packr } from 'msgpackr';
import type { Attributes, CollectionSpec, FaceMeta, FaceVector, IdentityUpsert, Metric } from '@faceshard/contracts';

/** The state changes the log records; replaying them in LSN order rebuilds the store. */
export type WalOp =
  | { type: 'create'; spec: CollectionSpec }
  | { type: 'drop'; name: string }
  | { type: 'upsert'; collection: string; identities: IdentityUpsert[] }
  | { type: 'delete'; collection: string; identityIds: string[] };

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

export function encodeWalRecord(record: WalRecord): Uint8Array {
  const { lsn, op } = record;
  switch (op.type) {
    case 'create':
      return packr.pack({ l: lsn, t: 'c', n: op.spec.name, d: op.spec.dimension, x: op.spec.metric });
    case 'drop':
      return packr.pack({ l: lsn, t: 'x', n: op.name });
    case 'delete':
      return packr.pack({ l: lsn, t: 'd', n: op.collection, ids: op.identityIds });
    case 'upsert': {
      const ids: PackedIdentity[] = op.identities.map((identity) => {
        const packed: PackedIdentity = {
          i: identity.identityId,
          m: identity.mode,
          f: identity.faces.map((face) => (face.meta === undefined ? [face.faceId, vectorBytes(face.vector)] : [face.faceId, vectorBytes(face.vector), face.meta])),
        };
        if (identity.attributes !== undefined) packed.a = identity.attributes;
        if (identity.removeFaceIds !== undefined) packed.r = identity.removeFaceIds;
        return packed;
      });
      return packr.pack({ l: lsn, t: 'u', n: op.collection, ids });
    }
  }
}

export function decodeWalRecord(body: Uint8Array): WalRecord {
  const raw = packr.unpack(body) as Record<string, unknown>;
  const lsn = raw.l;
  if (typeof lsn !== 'number' || !Number.isSafeInteger(lsn) || lsn < 1) throw new Error('log record without a valid lsn');
  const name = raw.n as string;
  switch (raw.t) {
    case 'c':
      return { lsn, op: { type: 'create', spec: { name, dimension: raw.d as number, metric: raw.x as Metric } } };
    case 'x':
      return { lsn, op: { type: 'drop', name } };
    case 'd':
      return { lsn, op: { type: 'delete', collection: name, identityIds: raw.ids as string[] } };
    case 'u': {
      const identities = (raw.ids as PackedIdentity[]).map((packed): IdentityUpsert => {
        const identity: IdentityUpsert = {
          identityId: packed.i,
          mode: packed.m,
          faces: packed.f.map(([faceId, bytes, meta]): FaceVector => (meta === undefined ? { faceId, vector: bytesToVector(bytes) } : { faceId, vector: bytesToVector(bytes), meta })),
        };
        if (packed.a !== undefined) identity.attributes = packed.a;
        if (packed.r !== undefined) identity.removeFaceIds = packed.r;
        return identity;
      });
      return { lsn, op: { type: 'upsert', collection: name, identities } };
    }
    default:
      throw new Error(`unknown log record type ${String(raw.t)}`);
  }
}
