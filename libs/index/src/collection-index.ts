import { HierarchicalNSW } from 'hnswlib-node';
import { FaceshardError, NAME_PATTERN } from '@faceshard/contracts';
import type { AttributeFilter, Attributes, CollectionSpec, FaceMeta, FaceVector, IdentityUpsert, SearchHit, StoredIdentity, VersionedIdentity } from '@faceshard/contracts';
import { matchesFilter } from '@faceshard/query';
import { tracing, withSpan } from '@faceshard/tracing';
import { FaceLabels } from './face-labels';
import { LabelAllocator, grownCapacity } from './label-allocator';
import { FreedFaces } from './freed-faces';
import { SegmentedMap } from './segmented-map';
import { collapseNeighbours, initialFetchCount, rankBest, type IdentityBest } from './neighbour-collapse';
import { dotProduct, prepareVector, prepareVectorInto } from './vector-math';
import type { CollectionMeta } from './collection-meta';
import type { MetaSource } from './meta-file';
import { incomingWins, isValidVersion, type VersionStamp } from './version-order';

export interface HnswParams {
  M: number;
  efConstruction: number;
  efSearch: number;
  initialCapacity: number;
}

export const DEFAULT_HNSW: HnswParams = { M: 16, efConstruction: 200, efSearch: 100, initialCapacity: 1024 };

/**
 * The part of hnswlib's index a collection uses. The integrity check replays the source of truth
 * through this same class over a plain vector table instead (integrity/vector-table.ts), so the
 * truth follows exactly the store's semantics without building a graph.
 */
export type VectorIndex = Pick<HierarchicalNSW, 'addPoint' | 'markDelete' | 'unmarkDelete' | 'getPoint' | 'getCurrentCount' | 'getMaxElements' | 'resizeIndex' | 'setEf' | 'searchKnn' | 'writeIndex'>;
export type NewVectorIndex = (spec: CollectionSpec, params: HnswParams) => VectorIndex;

export const newHnswIndex: NewVectorIndex = (spec, params) => {
  const hnsw = new HierarchicalNSW('ip', spec.dimension);
  hnsw.initIndex({ maxElements: params.initialCapacity, m: params.M, efConstruction: params.efConstruction, allowReplaceDeleted: false });
  return hnsw;
};

/**
 * One person held by this shard; `faces` maps faceId -> hnswlib label, in insertion order. A shard
 * holds 500k-1M of these: made by newRecord() only, so every record has one shape with all its
 * fields inside the object (see face-labels.ts for why the faces are not a Map).
 */
interface IdentityRecord {
  readonly identityId: string;
  attributes?: Attributes;
  readonly faces: FaceLabels;
  /** faceId -> metadata, for the faces written with some. */
  faceMeta?: Map<string, FaceMeta>;
  /** Version of the write that last changed it (see version-order.ts). */
  version: number;
}

/** A versioned copy that passed validation: a tombstone, or a whole identity ready for hnswlib. */
export type PreparedVersioned =
  | { identityId: string; version: number; deleted: true }
  | { identityId: string; version: number; deleted: false; identity: PreparedIdentity };

/** An upsert whose vectors passed validation and are ready for hnswlib (normalised number[]). */
export interface PreparedIdentity {
  identityId: string;
  mode: 'replace' | 'append';
  attributes?: Attributes;
  faces: { faceId: string; point: number[]; meta?: FaceMeta }[];
  removeFaceIds?: string[];
}

export interface SearchOptions {
  minScore?: number;
  ef?: number;
  /** Only identities whose attributes match (applied inside the HNSW walk, so k is still met). */
  filter?: AttributeFilter;
  /**
   * Only identities this says yes to: a shard that still holds copies it handed over in a move, and
   * no longer serves, leaves them out (apps/shard served-identities.ts). Applied to hnswlib's answer,
   * which is widened until k admitted identities are found, not inside the walk as the attribute
   * filter is: a JS call per visited node cost several times the search; this costs 1.07-1.13x
   * (bench/store/served-filter-cost.ts, a third left out of 50k).
   */
  admitsIdentity?: (identityId: string) => boolean;
}

/**
 * Everything one collection holds on a shard: the hnswlib index (space 'ip' for both metrics;
 * cosine vectors are normalised first) and identity -> faces -> labels.
 *
 * Labels: allowReplaceDeleted is OFF on purpose. hnswlib's replaceDeleted picks an arbitrary
 * deleted slot (unordered_set order) and renames it, which breaks a label -> face map whenever the
 * slot is not the label we meant to reuse. A freed label stays in the index marked deleted and is
 * never reused: every new face vector is a new node with a new label (monotonic), because reusing
 * a slot is hnswlib's in-place update, which cuts other nodes off the graph (issue 6 item 15).
 * Allocation depends only on the state, so replay reproduces labels exactly. The one way back for
 * a freed label: the same face returning with the bit-identical vector revives its own node
 * (unmarkDelete, no rewiring; see freed-faces.ts), decided from state a snapshot keeps.
 */
export class CollectionIndex {
  /** Split over 64 Maps: one Map's growth past 2^20 entries rehashed it in one 74–134 ms step (segmented-map.ts). */
  private readonly identities = new SegmentedMap<IdentityRecord>();
  /** Deleted ids -> version of the delete; kept until an explicit purge, so an old copy cannot resurrect them. */
  private readonly tombstones = new SegmentedMap<number>();
  /** Highest version ever applied here (seeds the store's version clock on open). */
  private highestVersion = 0;
  private readonly ownerByLabel: (IdentityRecord | undefined)[] = [];
  private readonly faceIdByLabel: (string | undefined)[] = [];
  private identitiesWithFaces = 0;
  /**
   * Faces the HNSW graph cut off (no path reaches their node, see integrity/graph-upkeep.ts), with
   * their vectors: every search also scores these exactly, so no enrolled face is ever unfindable.
   * hnswlib offers no way to add a link, and re-inserting the same vector is shadowed by the old
   * node; a handful per 10k faces makes this scan cheap.
   */
  private readonly pinned = new Map<number, Float32Array>();
  /** The deleted node each removed face left behind, for the face's return (see freed-faces.ts). */
  private readonly freed: FreedFaces;
  /** Faces revived instead of inserted since this collection was made (not persisted: a counter for benches and logs). */
  private revivedCount = 0;
  private currentEf: number;
  /**
   * The query as hnswlib-node takes it (number[]), reused by every search of this collection: a
   * search runs synchronously from preparing the query to its last use, so no two overlap.
   */
  private readonly queryPoint: number[];
  private readonly ownerOf = (label: number): IdentityRecord | undefined => this.ownerByLabel[label];

  private constructor(
    readonly spec: CollectionSpec,
    private readonly hnsw: VectorIndex,
    private readonly labels: LabelAllocator,
    private readonly params: HnswParams,
    freed: FreedFaces = new FreedFaces(),
  ) {
    this.freed = freed;
    this.currentEf = params.efSearch;
    hnsw.setEf(params.efSearch);
    this.queryPoint = new Array<number>(spec.dimension).fill(0);
  }

  static create(spec: CollectionSpec, params: HnswParams, newIndex: NewVectorIndex = newHnswIndex): CollectionIndex {
    return new CollectionIndex(spec, newIndex(spec, params), new LabelAllocator(), params);
  }

  /** Rebuilds from a snapshot: `hnsw` was read from the snapshot's index file (null if it held no vectors). */
  static restore(spec: CollectionSpec, hnsw: VectorIndex | null, meta: CollectionMeta, params: HnswParams, newIndex: NewVectorIndex = newHnswIndex): CollectionIndex {
    const labels = new LabelAllocator({ next: meta.nextLabel, free: meta.freeLabels });
    let index: VectorIndex;
    if (hnsw) {
      index = hnsw;
      if (index.getCurrentCount() !== meta.nextLabel) {
        throw new Error(`snapshot of ${spec.name}: index holds ${index.getCurrentCount()} elements, metadata says ${meta.nextLabel}`);
      }
    } else {
      if (meta.nextLabel !== 0) throw new Error(`snapshot of ${spec.name}: index file missing for ${meta.nextLabel} labels`);
      index = newIndex(spec, params);
    }
    const freeSet = new Set(meta.freeLabels);
    for (const [label, identityId, faceId] of meta.freedFaces ?? []) {
      if (!freeSet.has(label)) throw new Error(`snapshot of ${spec.name}: freed node ${label} of ${identityId}/${faceId} is not a free label`);
    }
    const collection = new CollectionIndex(spec, index, labels, params, new FreedFaces(meta.freedFaces));
    for (const entry of meta.identities) {
      const record = newRecord(entry.identityId, entry.version ?? 0);
      if (entry.attributes !== undefined) record.attributes = entry.attributes;
      if (entry.faceMeta) record.faceMeta = new Map(Object.entries(entry.faceMeta));
      collection.noteVersion(record.version);
      entry.faceIds.forEach((faceId, i) => {
        const label = entry.labels[i];
        if (label >= meta.nextLabel || freeSet.has(label) || collection.ownerByLabel[label]) {
          throw new Error(`snapshot of ${spec.name}: label ${label} of ${entry.identityId}/${faceId} is invalid or shared`);
        }
        record.faces.set(faceId, label);
        collection.ownerByLabel[label] = record;
        collection.faceIdByLabel[label] = faceId;
      });
      collection.identities.set(record.identityId, record);
      if (record.faces.size > 0) collection.identitiesWithFaces++;
    }
    for (const { identityId, version } of meta.tombstones ?? []) {
      if (collection.identities.has(identityId)) throw new Error(`snapshot of ${spec.name}: ${identityId} is both live and deleted`);
      collection.tombstones.set(identityId, version);
      collection.noteVersion(version);
    }
    if (collection.faceCount !== labels.live) {
      throw new Error(`snapshot of ${spec.name}: ${collection.faceCount} faces but ${labels.live} live labels`);
    }
    for (const label of meta.pinnedLabels ?? []) {
      const face = collection.faceOfLabel(label);
      if (!face) throw new Error(`snapshot of ${spec.name}: pinned label ${label} belongs to no face`);
      collection.pinFace(face.identityId, face.faceId);
    }
    return collection;
  }

  get identityCount(): number {
    return this.identities.size;
  }

  get faceCount(): number {
    return this.labels.live;
  }

  /** Validates a whole batch before anything is logged or applied, so applying cannot fail halfway. */
  prepareUpsert(identities: IdentityUpsert[]): PreparedIdentity[] {
    if (!Array.isArray(identities)) throw new FaceshardError('VALIDATION_FAILED', 'identities must be an array');
    return identities.map((identity, n) => {
      if (!identity || typeof identity.identityId !== 'string' || !NAME_PATTERN.test(identity.identityId)) {
        throw new FaceshardError('INVALID_ID', `identities[${n}].identityId is not a valid id`);
      }
      if (identity.mode !== 'replace' && identity.mode !== 'append') {
        throw new FaceshardError('VALIDATION_FAILED', `identities[${n}].mode must be 'replace' or 'append'`);
      }
      if (identity.attributes !== undefined && (identity.attributes === null || typeof identity.attributes !== 'object' || Array.isArray(identity.attributes))) {
        throw new FaceshardError('VALIDATION_FAILED', `identities[${n}].attributes must be an object`);
      }
      if (!Array.isArray(identity.faces)) throw new FaceshardError('VALIDATION_FAILED', `identities[${n}].faces must be an array`);
      const faces = identity.faces.map((face, f) => {
        if (!face || typeof face.faceId !== 'string' || !NAME_PATTERN.test(face.faceId)) {
          throw new FaceshardError('INVALID_ID', `identities[${n}].faces[${f}].faceId is not a valid id`);
        }
        const point = prepareVector(face.vector, this.spec.dimension, this.spec.metric, `identities[${n}].faces[${f}].vector`);
        return face.meta === undefined ? { faceId: face.faceId, point } : { faceId: face.faceId, point, meta: cloneAttributes(face.meta, n) };
      });
      const prepared: PreparedIdentity = { identityId: identity.identityId, mode: identity.mode, faces };
      if (identity.removeFaceIds !== undefined) {
        if (identity.mode !== 'append' || !Array.isArray(identity.removeFaceIds) || identity.removeFaceIds.some((id) => typeof id !== 'string')) {
          throw new FaceshardError('VALIDATION_FAILED', `identities[${n}].removeFaceIds must be an array of face ids, with mode 'append'`);
        }
        prepared.removeFaceIds = [...identity.removeFaceIds];
      }
      // A private copy: the log encodes the caller's object now; memory must not change if the caller mutates it later.
      if (identity.attributes !== undefined) prepared.attributes = cloneAttributes(identity.attributes, n);
      return prepared;
    });
  }

  /**
   * Applies one validated identity as a client write stamped `version` (the store assigned it
   * above the identity's current version and tombstone). Deterministic: same state + same input
   * -> same labels. A tombstone of the id is superseded by the live identity's higher version.
   */
  applyIdentity(prepared: PreparedIdentity, version = 0): void {
    let record = this.identities.get(prepared.identityId);
    if (!record) {
      record = newRecord(prepared.identityId, version);
      this.identities.set(record.identityId, record);
      this.tombstones.delete(record.identityId);
    }
    record.version = version;
    this.noteVersion(version);
    const hadFaces = record.faces.size > 0;
    if (prepared.attributes !== undefined) record.attributes = prepared.attributes;
    if (prepared.mode === 'replace') {
      const kept = new Set(prepared.faces.map((face) => face.faceId));
      for (const [faceId, label] of record.faces) {
        if (!kept.has(faceId)) this.removeFace(record, faceId, label);
      }
    }
    for (const faceId of prepared.removeFaceIds ?? []) {
      const label = record.faces.get(faceId);
      if (label !== undefined) this.removeFace(record, faceId, label);
    }
    for (const face of prepared.faces) {
      if (face.meta !== undefined) (record.faceMeta ??= new Map()).set(face.faceId, face.meta);
      else record.faceMeta?.delete(face.faceId);
      const existing = record.faces.get(face.faceId);
      if (existing !== undefined) {
        // Same face again: nothing to do for the same vector (a retried write); a new vector
        // becomes a new node. hnswlib's in-place update (addPoint on a used label) rewires the
        // old neighbourhood and cuts nodes off the graph (see replaceFaceVector).
        if (!samePoint(this.indexedPoint(existing), face.point)) this.replaceFaceVector(record, face.faceId, existing, face.point);
      } else {
        this.addFace(record, face.faceId, face.point);
      }
    }
    const hasFaces = record.faces.size > 0;
    if (hasFaces !== hadFaces) this.identitiesWithFaces += hasFaces ? 1 : -1;
  }

  /**
   * Removes the identities that exist; returns how many did. With `versions` (client deletes
   * logged since versions exist) each id, present or not, keeps a tombstone of that version.
   */
  applyDelete(identityIds: string[], versions?: number[]): number {
    let deleted = 0;
    identityIds.forEach((identityId, i) => {
      if (this.removeIdentity(identityId)) deleted++;
      if (versions !== undefined) this.setTombstone(identityId, versions[i]);
    });
    return deleted;
  }

  has(identityId: string): boolean {
    return this.identities.has(identityId);
  }

  /** The live identity's or the tombstone's version; undefined if the id is unknown here. */
  stampOf(identityId: string): VersionStamp | undefined {
    const record = this.identities.get(identityId);
    if (record) return { version: record.version, deleted: false };
    const tombstone = this.tombstones.get(identityId);
    return tombstone === undefined ? undefined : { version: tombstone, deleted: true };
  }

  /** The floor a new version of this id must exceed: its live or tombstone version, or -1. */
  versionFloor(identityId: string): number {
    return this.stampOf(identityId)?.version ?? -1;
  }

  get maxVersion(): number {
    return this.highestVersion;
  }

  /** Validates versioned copies before anything is logged (like prepareUpsert). */
  prepareVersioned(entries: VersionedIdentity[]): PreparedVersioned[] {
    if (!Array.isArray(entries)) throw new FaceshardError('VALIDATION_FAILED', 'entries must be an array');
    return entries.map((entry, n) => {
      if (!entry || typeof entry.identityId !== 'string' || !NAME_PATTERN.test(entry.identityId)) {
        throw new FaceshardError('INVALID_ID', `entries[${n}].identityId is not a valid id`);
      }
      if (!isValidVersion(entry.version)) throw new FaceshardError('VALIDATION_FAILED', `entries[${n}].version must be a non-negative safe integer`);
      if (entry.deleted === true) return { identityId: entry.identityId, version: entry.version, deleted: true };
      const upsert: IdentityUpsert = { identityId: entry.identityId, mode: 'replace', faces: entry.faces };
      if (entry.attributes !== undefined) upsert.attributes = entry.attributes;
      const [identity] = this.prepareUpsert([upsert]);
      return { identityId: entry.identityId, version: entry.version, deleted: false, identity };
    });
  }

  /**
   * Newest version wins: applies the copy only if it is newer than what is held (see
   * incomingWins). A live copy replaces the identity whole, attributes included; a tombstone
   * removes it and stays. Returns whether anything changed. Deterministic, so replay agrees.
   */
  applyVersioned(entry: PreparedVersioned): boolean {
    if (!incomingWins(this.stampOf(entry.identityId), entry)) return false;
    if (entry.deleted) {
      this.removeIdentity(entry.identityId);
      this.setTombstone(entry.identityId, entry.version);
      return true;
    }
    this.applyIdentity(entry.identity, entry.version);
    const record = this.identities.get(entry.identityId) as IdentityRecord;
    // A whole copy: no attributes means none (assigned, not deleted: `delete` would turn the record into a slow dictionary object).
    if (entry.identity.attributes === undefined) record.attributes = undefined;
    return true;
  }

  /** Forgets tombstones (only once every copy agrees the id is deleted); returns how many there were. */
  purgeTombstones(identityIds: string[]): number {
    let purged = 0;
    for (const identityId of identityIds) if (this.tombstones.delete(identityId)) purged++;
    return purged;
  }

  /** Every tombstone, in no particular order (the map is segmented, see segmented-map.ts). */
  tombstoneList(): { identityId: string; version: number }[] {
    return [...this.tombstones].map(([identityId, version]) => ({ identityId, version }));
  }

  get tombstoneCount(): number {
    return this.tombstones.size;
  }

  /** The identity (whole, with its version) or its tombstone, as another shard would apply it. */
  exportVersioned(identityId: string): VersionedIdentity | null {
    const record = this.identities.get(identityId);
    if (!record) {
      const tombstone = this.tombstones.get(identityId);
      return tombstone === undefined ? null : { identityId, version: tombstone, deleted: true };
    }
    const exported: VersionedIdentity = { identityId, version: record.version, faces: this.exportFaces(record) };
    if (record.attributes !== undefined) exported.attributes = record.attributes;
    return exported;
  }

  get(identityId: string): StoredIdentity | null {
    const record = this.identities.get(identityId);
    if (!record) return null;
    const faceIds = [...record.faces.keys()];
    const stored: StoredIdentity = { identityId: record.identityId, faceIds };
    if (record.attributes !== undefined) stored.attributes = record.attributes;
    if (record.faceMeta?.size) stored.faces = faceIds.map((faceId) => withMeta({ faceId }, record.faceMeta?.get(faceId)));
    return stored;
  }

  identityIds(): string[] {
    return [...this.identities.keys()];
  }

  /**
   * The identity as an upsert that recreates it elsewhere (e.g. moving it to another shard).
   * Vectors come back from hnswlib as stored: for cosine they are the normalised ones.
   */
  exportIdentity(identityId: string): IdentityUpsert | null {
    const record = this.identities.get(identityId);
    if (!record) return null;
    const exported: IdentityUpsert = {
      identityId,
      mode: 'replace',
      faces: this.exportFaces(record),
    };
    if (record.attributes !== undefined) exported.attributes = record.attributes;
    return exported;
  }

  /**
   * k distinct identities, each with its best face. hnswlib answers per vector, so this asks for
   * enough vectors for k identities at the average faces per identity, and doubles until it has k
   * identities, the index is exhausted, or the farthest answer already scores below minScore.
   */
  search(query: Float32Array, k: number, options: SearchOptions = {}): SearchHit[] {
    if (!Number.isInteger(k) || k < 1) throw new FaceshardError('VALIDATION_FAILED', 'k must be a positive integer');
    const point = prepareVectorInto(query, this.queryPoint, this.spec.dimension, this.spec.metric, 'query');
    const live = this.labels.live;
    if (live === 0) return [];
    const ef = options.ef ?? this.params.efSearch;
    if (!Number.isInteger(ef) || ef < 1) throw new FaceshardError('VALIDATION_FAILED', 'ef must be a positive integer');
    if (ef !== this.currentEf) {
      this.hnsw.setEf(ef);
      this.currentEf = ef;
    }
    const minScore = options.minScore ?? -Infinity;
    const { filter, admitsIdentity } = options;
    const admits = filter ? (label: number) => matchesFilter(this.ownerByLabel[label]?.attributes, filter) : undefined;
    // Identities not admitted count as absent: the widening below asks hnswlib for more until k are found.
    const ownerOf = admitsIdentity ? this.admittedOwnerOf(admitsIdentity) : this.ownerOf;
    // Three times as many when some are left out (a join's source leaves out about a third): one round, usually.
    let fetch = Math.min(live, initialFetchCount(k, live, this.identitiesWithFaces) * (admitsIdentity ? 3 : 1));
    for (;;) {
      const found = tracing.on ? this.tracedKnn(point, fetch, ef, admits) : admits ? this.hnsw.searchKnn(point, fetch, admits) : this.hnsw.searchKnn(point, fetch);
      const { neighbors, distances } = this.withPinned(point, found, fetch, admits);
      const collapsed = collapseNeighbours(neighbors, distances, ownerOf, minScore);
      // Fewer answers than asked for (a filter admits only some labels): nothing more to find.
      const exhausted = fetch >= live || found.neighbors.length < fetch;
      if (collapsed.best.length >= k || exhausted || collapsed.belowMinScore) {
        return this.toHits(rankBest(collapsed.best, k, identityIdOf));
      }
      fetch = Math.min(live, fetch * 2);
    }
  }

  /** The ranked best faces as the hits a shard answers with. */
  private toHits(ranked: IdentityBest<IdentityRecord>[]): SearchHit[] {
    const hits = new Array<SearchHit>(ranked.length);
    for (let i = 0; i < ranked.length; i++) {
      const { owner, label, score } = ranked[i];
      const hit: SearchHit = { identityId: owner.identityId, faceId: this.faceIdByLabel[label] as string, score };
      if (owner.attributes !== undefined) hit.attributes = owner.attributes;
      hits[i] = hit;
    }
    return hits;
  }

  /** The owner of a label, or undefined when its identity is not admitted (or the label is free). */
  private admittedOwnerOf(admitsIdentity: (identityId: string) => boolean): (label: number) => IdentityRecord | undefined {
    return (label) => {
      const owner = this.ownerByLabel[label];
      return owner !== undefined && admitsIdentity(owner.identityId) ? owner : undefined;
    };
  }

  /** One hnswlib call as a span of its own (a search may ask again with a larger k, see search()). */
  private tracedKnn(point: number[], fetch: number, ef: number, admits?: (label: number) => boolean) {
    const attributes = { 'faceshard.collection': this.spec.name, 'hnsw.k': fetch, 'hnsw.ef': ef, 'hnsw.filtered': admits !== undefined };
    return withSpan('hnsw.searchKnn', { attributes }, () => (admits ? this.hnsw.searchKnn(point, fetch, admits) : this.hnsw.searchKnn(point, fetch)));
  }

  /** Writes the hnswlib index file; false (nothing written) when no label was ever used. */
  async writeIndex(path: string): Promise<boolean> {
    if (this.labels.next === 0) return false;
    await this.hnsw.writeIndex(path);
    return true;
  }

  meta(): CollectionMeta {
    const { identityCount: _count, freedFaceCount: _freed, identities, freedFaces, freeLabelCount: _free, freeLabels, tombstoneCount: _tombs, tombstones: _tombstones, ...rest } = this.metaStream();
    return {
      ...rest,
      freeLabels: [...freeLabels],
      identities: [...identities],
      tombstones: this.tombstoneList(),
      ...(freedFaces ? { freedFaces: [...freedFaces] } : {}),
    };
  }

  /**
   * meta() without building 1M entries at once: identity entries are made as they are iterated,
   * so a snapshot can encode them in slices. Valid only while the collection does not change (the
   * snapshot keeps it frozen while it iterates: see snapshot-overlay.ts).
   */
  metaStream(): MetaSource {
    const records = this.identities.values();
    const identities = (function* () {
      for (const record of records) {
        yield {
          identityId: record.identityId,
          attributes: record.attributes,
          faceIds: record.faces.keys(), // fresh arrays (face-labels.ts): no copy
          labels: record.faces.values(),
          ...(record.faceMeta?.size ? { faceMeta: Object.fromEntries(record.faceMeta) } : {}),
          version: record.version,
        };
      }
    })();
    // Free labels and tombstones are iterated as they are written too: after a move or a mass delete
    // they hold as many entries as faces or identities left, and copying them was one long turn.
    return {
      nextLabel: this.labels.next,
      freeLabelCount: this.labels.freeCount,
      freeLabels: this.labels.freeLabels(),
      identityCount: this.identities.size,
      identities,
      tombstoneCount: this.tombstones.size,
      tombstones: this.tombstones.entries(),
      pinnedLabels: [...this.pinned.keys()],
      ...(this.freed.size > 0 ? { freedFaceCount: this.freed.size, freedFaces: this.freed.tuples() } : {}),
    };
  }

  /** What the hnswlib index's memory depends on (the shard's index memory gauge estimates from it). */
  indexShape(): { capacity: number; elements: number; dimension: number; M: number } {
    return { capacity: this.hnsw.getMaxElements(), elements: this.hnsw.getCurrentCount(), dimension: this.spec.dimension, M: this.params.M };
  }

  /** For consistency checks in tests: live labels in the hnswlib index vs. metadata. */
  debugCounts(): { indexElements: number; nextLabel: number; freeLabels: number; faces: number } {
    return { indexElements: this.hnsw.getCurrentCount(), nextLabel: this.labels.next, freeLabels: this.labels.freeCount, faces: this.faceCount };
  }

  private exportFaces(record: IdentityRecord): FaceVector[] {
    return [...record.faces].map(([faceId, label]) => withMeta({ faceId, vector: Float32Array.from(this.hnsw.getPoint(label)) }, record.faceMeta?.get(faceId)));
  }

  private removeIdentity(identityId: string): boolean {
    const record = this.identities.get(identityId);
    if (!record) return false;
    if (record.faces.size > 0) this.identitiesWithFaces--;
    for (const [faceId, label] of record.faces) this.removeFace(record, faceId, label);
    this.identities.delete(identityId);
    return true;
  }

  /** A tombstone only moves forward: an older delete arriving late keeps the newer one. */
  private setTombstone(identityId: string, version: number): void {
    const held = this.tombstones.get(identityId);
    if (held === undefined || version > held) this.tombstones.set(identityId, version);
    this.noteVersion(version);
  }

  private noteVersion(version: number): void {
    if (version > this.highestVersion) this.highestVersion = version;
  }

  // ---- For the integrity check and the graph upkeep (libs/index/src/integrity). ----

  /** Labels ever handed out (hnswlib's element count should equal it). */
  get labelCount(): number {
    return this.labels.next;
  }

  /** Every face with its label, identity by identity. */
  faceLabels(): { identityId: string; faceId: string; label: number }[] {
    const out: { identityId: string; faceId: string; label: number }[] = [];
    for (const record of this.identities.values()) {
      for (const [faceId, label] of record.faces) out.push({ identityId: record.identityId, faceId, label });
    }
    return out;
  }

  /** Which face owns `label` by the metadata (null: a free or never-used label). */
  faceOfLabel(label: number): { identityId: string; faceId: string } | null {
    const owner = this.ownerByLabel[label];
    return owner ? { identityId: owner.identityId, faceId: this.faceIdByLabel[label] as string } : null;
  }

  /** The vector hnswlib holds under `label`; null when the label is absent or marked deleted in the index. */
  indexedPoint(label: number): number[] | null {
    try {
      return this.hnsw.getPoint(label);
    } catch {
      return null; // hnswlib: "Label not found" for unknown and for deleted labels
    }
  }

  /** Raw hnswlib neighbours of a prepared point (deleted labels excluded), at `ef`. */
  nearestLabels(point: number[], k: number, ef: number): { neighbors: number[]; distances: number[] } {
    if (ef !== this.currentEf) {
      this.hnsw.setEf(ef);
      this.currentEf = ef;
    }
    const asked = Math.max(1, Math.min(k, this.hnsw.getMaxElements()));
    const merged = this.withPinned(point, this.hnsw.searchKnn(point, asked), asked);
    const order = merged.neighbors.map((_, i) => i).sort((a, b) => merged.distances[a] - merged.distances[b]).slice(0, k);
    return { neighbors: order.map((i) => merged.neighbors[i]), distances: order.map((i) => merged.distances[i]) };
  }

  /**
   * The graph's answer to a request for `asked` neighbours, with the pinned faces (see `pinned`)
   * scored exactly that belong in it: those at least as near as its farthest answer, i.e. those a
   * graph that still reached them would have returned; every one when the graph answered fewer
   * than asked (it had no more to give). The candidates stay a prefix by distance, so collapsing
   * them ranks k identities right (adding every pinned face, however far, made far pinned
   * identities count towards k and stopped the widening short), and a search with no pinned face
   * that near (the usual case) gets hnswlib's answer back untouched.
   */
  private withPinned(point: number[], found: { neighbors: number[]; distances: number[] }, asked: number, admits?: (label: number) => boolean): { neighbors: number[]; distances: number[] } {
    if (this.pinned.size === 0) return found;
    const farthest = found.neighbors.length >= asked ? maxOf(found.distances) : Infinity;
    let neighbors: number[] | undefined;
    let distances: number[] | undefined;
    let returned: Set<number> | undefined;
    for (const [label, vector] of this.pinned) {
      const distance = 1 - dotProduct(vector, point);
      if (!(distance <= farthest) || (admits && !admits(label))) continue;
      // Already in the answer? A short answer is scanned; a long one (widening rounds) gets a Set, once.
      if (found.neighbors.length > 32 ? (returned ??= new Set(found.neighbors)).has(label) : found.neighbors.includes(label)) continue;
      neighbors ??= found.neighbors.slice();
      distances ??= found.distances.slice();
      neighbors.push(label);
      distances.push(distance);
    }
    return neighbors && distances ? { neighbors, distances } : found;
  }

  /** Faces every search scores exactly beside the graph (see `pinned`). */
  get pinnedCount(): number {
    return this.pinned.size;
  }

  isPinned(label: number): boolean {
    return this.pinned.has(label);
  }

  /** Makes every search also score this face exactly (the graph cut it off). False if there is no such face. */
  pinFace(identityId: string, faceId: string): boolean {
    const label = this.identities.get(identityId)?.faces.get(faceId);
    const point = label === undefined ? null : this.indexedPoint(label);
    if (label === undefined || point === null) return false;
    this.pinned.set(label, Float32Array.from(point));
    return true;
  }

  /**
   * Gives a face a new vector as a brand-new node (a label never used before) and marks its old
   * node deleted. hnswlib's in-place update (addPoint on the used label) would rewire the old
   * neighbourhood instead, which cuts other nodes off the graph.
   */
  private replaceFaceVector(record: IdentityRecord, faceId: string, from: number, point: number[]): void {
    // Not removeFace: the face (its place among the identity's faces, its metadata) stays.
    const wasPinned = this.pinned.delete(from);
    this.hnsw.markDelete(from);
    this.labels.release(from);
    this.ownerByLabel[from] = undefined;
    this.faceIdByLabel[from] = undefined;
    this.addFace(record, faceId, point);
    this.freed.note(record.identityId, faceId, from, wasPinned); // after addFace, which uses up the face's older entry
  }

  /** Marks deleted a label live in the index that no face owns (the metadata says it is free or unused). */
  markOrphanDeleted(label: number): void {
    if (this.ownerByLabel[label]) throw new Error(`label ${label} belongs to a face`);
    if (this.indexedPoint(label) !== null) this.hnsw.markDelete(label);
  }

  private addFace(record: IdentityRecord, faceId: string, point: number[]): void {
    if (this.revive(record, faceId, point)) return;
    // Otherwise always a label never used before: reusing a freed one would make addPoint an in-place
    // update of a deleted node, which in a churn test (10k deletes + re-adds over 10k faces) left 70
    // faces unfindable at ef 1000, against 1 with fresh labels. Deleted nodes stay until a rebuild.
    const label = this.labels.allocate();
    if (label >= this.hnsw.getMaxElements()) {
      this.hnsw.resizeIndex(grownCapacity(this.hnsw.getMaxElements(), label + 1, this.params.initialCapacity));
    }
    this.hnsw.addPoint(point, label);
    record.faces.set(faceId, label);
    this.ownerByLabel[label] = record;
    this.faceIdByLabel[label] = faceId;
  }

  /**
   * The face's own deleted node back (unmarkDelete) when it holds exactly `point`: not an
   * insert, so not hnswlib's in-place update; the node keeps its links, and a node that was cut
   * off and pinned is pinned again. False (nothing changed) when the face left no node or its
   * node holds another vector.
   */
  private revive(record: IdentityRecord, faceId: string, point: number[]): boolean {
    const freed = this.freed.take(record.identityId, faceId);
    if (freed === undefined) return false;
    const { label } = freed;
    this.hnsw.unmarkDelete(label);
    const stored = this.indexedPoint(label);
    if (!samePoint(stored, point)) {
      this.hnsw.markDelete(label);
      return false;
    }
    this.labels.reclaim(label);
    record.faces.set(faceId, label);
    this.ownerByLabel[label] = record;
    this.faceIdByLabel[label] = faceId;
    if (freed.pinned) this.pinned.set(label, Float32Array.from(stored as number[]));
    this.revivedCount++;
    return true;
  }

  /** Faces that came back to their own deleted node since this collection was made (this process). */
  get revivedFaces(): number {
    return this.revivedCount;
  }

  private removeFace(record: IdentityRecord, faceId: string, label: number): void {
    this.hnsw.markDelete(label);
    this.freed.note(record.identityId, faceId, label, this.pinned.delete(label));
    this.labels.release(label);
    record.faces.delete(faceId);
    record.faceMeta?.delete(faceId);
    this.ownerByLabel[label] = undefined;
    this.faceIdByLabel[label] = undefined;
  }
}

/**
 * A record with every field present from the start: fields added later (attributes, faceMeta)
 * would move to a separate property array, one more heap object per identity that has them.
 */
function newRecord(identityId: string, version: number): IdentityRecord {
  return { identityId, attributes: undefined, faces: new FaceLabels(), faceMeta: undefined, version };
}

function maxOf(values: readonly number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return max;
}

/** Tie-break key of rankBest (one function for every search, not a closure per call). */
const identityIdOf = (owner: IdentityRecord): string => owner.identityId;

function withMeta<T extends object>(face: T, meta: FaceMeta | undefined): T & { meta?: FaceMeta } {
  return meta === undefined ? face : { ...face, meta };
}

/** Exactly the float32 values hnswlib would store for `point` (null: nothing stored). */
function samePoint(stored: number[] | null, point: number[]): boolean {
  if (stored === null || stored.length !== point.length) return false;
  for (let i = 0; i < point.length; i++) if (stored[i] !== Math.fround(point[i])) return false;
  return true;
}

function cloneAttributes(attributes: Attributes, n: number): Attributes {
  try {
    return structuredClone(attributes);
  } catch {
    throw new FaceshardError('VALIDATION_FAILED', `identities[${n}].attributes must be plain data`);
  }
}
