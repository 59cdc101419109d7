import { isDeepStrictEqual } from 'node:util';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { StoredIdentity } from '@faceshard/contracts';
import { IssueList } from './integrity-report';

/** What the check reads from a collection, live or the replayed truth (CollectionIndex has all of it). */
export interface InspectableCollection {
  readonly labelCount: number;
  readonly faceCount: number;
  readonly identityCount: number;
  identityIds(): string[];
  get(identityId: string): StoredIdentity | null;
  stampOf(identityId: string): { version: number; deleted: boolean } | undefined;
  tombstoneList(): { identityId: string; version: number }[];
  faceLabels(): { identityId: string; faceId: string; label: number }[];
  faceOfLabel(label: number): { identityId: string; faceId: string } | null;
  indexedPoint(label: number): number[] | null;
  nearestLabels(point: number[], k: number, ef: number): { neighbors: number[]; distances: number[] };
  debugCounts(): { indexElements: number };
}

/** The source of truth needs no search. */
export type TruthCollection = Pick<InspectableCollection, 'identityIds' | 'get' | 'stampOf' | 'tombstoneList' | 'faceLabels' | 'indexedPoint' | 'faceCount'>;

export interface CollectionCheckOptions {
  /** ef of the first findability search of each face (the collection's usual ef). */
  firstEf: number;
  /** ef of the second search, for faces the first one missed. */
  ef: number;
  /** A face counts as found when its label is among this many nearest (duplicates of a vector tie). */
  k: number;
  /** Labels the graph cannot reach at all (from the index file's links); null when not computed. */
  unreachableLabels: ReadonlySet<number> | null;
}

export interface CollectionCheck {
  issues: IssueList;
  deletedNodes: number;
  searched: number;
}

const SLICE_MS = 10;

/**
 * Compares a live collection with its source of truth (the same collection replayed from disk)
 * face by face, then searches every face with its own vector. Yields to the event loop every few
 * ms so searches and heartbeats keep flowing.
 */
export async function checkCollection(live: InspectableCollection, truth: TruthCollection, options: CollectionCheckOptions): Promise<CollectionCheck> {
  const issues = new IssueList();
  const maybeYield = slicer();
  const liveLabels = labelsByFace(live);
  const truthLabels = labelsByFace(truth);

  // 1. Every identity on disk is in memory, the same, with the same vector under each face's label.
  for (const identityId of truth.identityIds()) {
    const stored = live.get(identityId);
    const expected = truth.get(identityId) as StoredIdentity;
    if (!stored) {
      issues.add({ kind: 'missing-identity', identityId });
      continue;
    }
    if (!isDeepStrictEqual(stored.attributes ?? null, expected.attributes ?? null)) issues.add({ kind: 'identity-mismatch', identityId, field: 'attributes' });
    if (live.stampOf(identityId)?.version !== truth.stampOf(identityId)?.version) issues.add({ kind: 'identity-mismatch', identityId, field: 'version' });
    if (!isDeepStrictEqual(faceMetaOf(stored), faceMetaOf(expected))) issues.add({ kind: 'identity-mismatch', identityId, field: 'face-metadata' });
    for (const faceId of expected.faceIds) {
      const label = liveLabels.get(faceKey(identityId, faceId));
      if (label === undefined) {
        issues.add({ kind: 'missing-face', identityId, faceId });
        continue;
      }
      const point = live.indexedPoint(label);
      if (point === null) {
        issues.add({ kind: 'label-not-in-index', identityId, faceId, label });
        continue;
      }
      const vector = truth.indexedPoint(truthLabels.get(faceKey(identityId, faceId)) as number);
      const diff = vector === null ? Infinity : maxAbsDiff(point, vector);
      if (diff > 0) issues.add({ kind: 'vector-mismatch', identityId, faceId, label, maxAbsDiff: diff });
    }
    await maybeYield();
  }
  // 2. Nothing in memory that is not on disk.
  for (const identityId of live.identityIds()) {
    const expected = truth.get(identityId);
    if (!expected) {
      issues.add({ kind: 'unexpected-identity', identityId });
      continue;
    }
    const expectedFaces = new Set(expected.faceIds);
    for (const faceId of live.get(identityId)?.faceIds ?? []) {
      if (!expectedFaces.has(faceId)) issues.add({ kind: 'unexpected-face', identityId, faceId, label: liveLabels.get(faceKey(identityId, faceId)) as number });
    }
  }
  // 3. The same tombstones (deletes an old copy must never undo).
  const liveTombstones = new Map(live.tombstoneList().map((t) => [t.identityId, t.version]));
  const truthTombstones = new Map(truth.tombstoneList().map((t) => [t.identityId, t.version]));
  for (const identityId of new Set([...liveTombstones.keys(), ...truthTombstones.keys()])) {
    const expected = truthTombstones.get(identityId) ?? null;
    const actual = liveTombstones.get(identityId) ?? null;
    if (expected !== actual) issues.add({ kind: 'tombstone-mismatch', identityId, expected, actual });
  }
  // 4. Every label live in the index belongs to a face; count the deleted ones.
  let liveInIndex = 0;
  for (let label = 0; label < live.labelCount; label++) {
    const inIndex = live.indexedPoint(label) !== null;
    if (inIndex) liveInIndex++;
    if (inIndex && !live.faceOfLabel(label)) issues.add({ kind: 'orphan-label', label });
    if (label % 2048 === 0) await maybeYield();
  }
  // 5. Counts agree.
  const indexElements = live.debugCounts().indexElements;
  if (indexElements !== live.labelCount) issues.add({ kind: 'count-mismatch', what: 'index-elements', expected: live.labelCount, actual: indexElements });
  if (liveInIndex !== live.faceCount) issues.add({ kind: 'count-mismatch', what: 'live-labels', expected: live.faceCount, actual: liveInIndex });
  if (truth.identityIds().length !== live.identityCount) issues.add({ kind: 'count-mismatch', what: 'identities', expected: truth.identityIds().length, actual: live.identityCount });
  if (truth.faceCount !== live.faceCount) issues.add({ kind: 'count-mismatch', what: 'faces', expected: truth.faceCount, actual: live.faceCount });

  // 6. Every face is found by its own vector.
  const searched = await checkFindability(live, liveLabels, liveLabels, issues, options, maybeYield);
  return { issues, deletedNodes: live.labelCount - liveInIndex, searched };
}

/** Searches only these faces with their own vectors (e.g. the ones a repair just re-inserted). */
export async function checkFacesFindable(live: InspectableCollection, faces: { identityId: string; faceId: string }[], options: CollectionCheckOptions): Promise<IssueList> {
  const issues = new IssueList();
  const all = labelsByFace(live);
  const subset = new Map<string, number>();
  for (const { identityId, faceId } of faces) {
    const label = all.get(faceKey(identityId, faceId));
    if (label !== undefined) subset.set(faceKey(identityId, faceId), label);
  }
  await checkFindability(live, all, subset, issues, options, slicer());
  return issues;
}

/**
 * Searches each face with the vector its label holds: at the usual ef, then at the generous one.
 * A miss is confirmed exactly before it is reported: if at least k other faces score at least as
 * high as the face itself (possible with metric ip, or with exact duplicates), not finding it in
 * the top k is right, not a defect.
 */
async function checkFindability(
  live: InspectableCollection,
  allFaces: Map<string, number>,
  toSearch: Map<string, number>,
  issues: IssueList,
  options: CollectionCheckOptions,
  maybeYield: () => Promise<void>,
): Promise<number> {
  let searched = 0;
  for (const [key, label] of toSearch) {
    const point = live.indexedPoint(label);
    if (point === null) continue; // reported as label-not-in-index
    searched++;
    let { neighbors, distances } = live.nearestLabels(point, options.k, options.firstEf);
    if (!neighbors.includes(label) && options.ef > options.firstEf) ({ neighbors, distances } = live.nearestLabels(point, options.k, options.ef));
    if (!neighbors.includes(label) && closerFaces(live, allFaces, label, point) < options.k) {
      const [identityId, faceId] = splitFaceKey(key);
      const best = neighbors.length > 0 ? live.faceOfLabel(neighbors[0]) : null;
      issues.add({
        kind: 'unfindable',
        identityId,
        faceId,
        label,
        reachable: options.unreachableLabels ? !options.unreachableLabels.has(label) : null,
        bestHit: neighbors.length > 0 ? { identityId: best?.identityId ?? null, faceId: best?.faceId ?? null, score: 1 - distances[0] } : null,
      });
    }
    await maybeYield();
  }
  return searched;
}

/** Exact count of other faces scoring at least as high as the face's own vector scores against itself. */
function closerFaces(live: InspectableCollection, allFaces: Map<string, number>, label: number, point: number[]): number {
  const selfScore = dot(point, point);
  let closer = 0;
  for (const other of allFaces.values()) {
    if (other === label) continue;
    const otherPoint = live.indexedPoint(other);
    if (otherPoint !== null && dot(otherPoint, point) >= selfScore) closer++;
  }
  return closer;
}

function slicer(): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  };
}

function labelsByFace(collection: Pick<InspectableCollection, 'faceLabels'>): Map<string, number> {
  const labels = new Map<string, number>();
  for (const { identityId, faceId, label } of collection.faceLabels()) labels.set(faceKey(identityId, faceId), label);
  return labels;
}

function faceMetaOf(identity: StoredIdentity): Record<string, unknown> {
  return Object.fromEntries((identity.faces ?? []).filter((face) => face.meta !== undefined).map((face) => [face.faceId, face.meta]));
}

function faceKey(identityId: string, faceId: string): string {
  return `${identityId}\u0000${faceId}`;
}

function splitFaceKey(key: string): [string, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}

function dot(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function maxAbsDiff(a: number[], b: number[]): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
