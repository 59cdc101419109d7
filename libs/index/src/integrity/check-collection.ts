import { isDeepStrictEqual } from 'node:util';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Attributes } from '@faceshard/contracts';
import type { ExpectedCollection } from './expected-state';
import { IssueList } from './integrity-report';

/** What the check reads from a live collection (CollectionIndex has exactly these). */
export interface InspectableCollection {
  readonly labelCount: number;
  readonly faceCount: number;
  readonly identityCount: number;
  identityIds(): string[];
  get(identityId: string): { attributes?: Attributes; faceIds: string[] } | null;
  faceLabels(): { identityId: string; faceId: string; label: number }[];
  faceOfLabel(label: number): { identityId: string; faceId: string } | null;
  indexedPoint(label: number): number[] | null;
  nearestLabels(point: number[], k: number, ef: number): { neighbors: number[]; distances: number[] };
  debugCounts(): { indexElements: number };
}

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
 * Compares a live collection with its source of truth and searches every face with its own
 * vector. Yields to the event loop every few ms so searches and heartbeats keep flowing.
 * `expected` undefined: the collection is not on disk, so everything in memory is unexpected.
 */
export async function checkCollection(live: InspectableCollection, expected: ExpectedCollection | undefined, options: CollectionCheckOptions): Promise<CollectionCheck> {
  const issues = new IssueList();
  let sliceStart = performance.now();
  const maybeYield = async (): Promise<void> => {
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  };
  const labelOfFace = new Map<string, number>();
  for (const { identityId, faceId, label } of live.faceLabels()) labelOfFace.set(faceKey(identityId, faceId), label);

  // 1. Everything on disk is in memory, with the same vector under the face's label.
  const expectedIdentities = expected?.identities ?? new Map();
  let expectedFaces = 0;
  for (const [identityId, identity] of expectedIdentities) {
    expectedFaces += identity.faces.size;
    const stored = live.get(identityId);
    if (!stored) {
      issues.add({ kind: 'missing-identity', identityId });
      continue;
    }
    if (!isDeepStrictEqual(stored.attributes ?? null, identity.attributes ?? null)) issues.add({ kind: 'attributes-mismatch', identityId });
    for (const [faceId, vector] of identity.faces) {
      const label = labelOfFace.get(faceKey(identityId, faceId));
      if (label === undefined) {
        issues.add({ kind: 'missing-face', identityId, faceId });
        continue;
      }
      const point = live.indexedPoint(label);
      if (point === null) {
        issues.add({ kind: 'label-not-in-index', identityId, faceId, label });
        continue;
      }
      const diff = maxAbsDiff(point, vector);
      if (diff > 0) issues.add({ kind: 'vector-mismatch', identityId, faceId, label, maxAbsDiff: diff });
    }
    await maybeYield();
  }
  // 2. Nothing in memory that is not on disk.
  for (const identityId of live.identityIds()) {
    const identity = expectedIdentities.get(identityId);
    if (!identity) {
      issues.add({ kind: 'unexpected-identity', identityId });
      continue;
    }
    for (const faceId of live.get(identityId)?.faceIds ?? []) {
      if (!identity.faces.has(faceId)) issues.add({ kind: 'unexpected-face', identityId, faceId, label: labelOfFace.get(faceKey(identityId, faceId)) as number });
    }
  }
  // 3. Every label live in the index belongs to a face; count the deleted ones.
  let liveInIndex = 0;
  for (let label = 0; label < live.labelCount; label++) {
    const inIndex = live.indexedPoint(label) !== null;
    if (inIndex) liveInIndex++;
    if (inIndex && !live.faceOfLabel(label)) issues.add({ kind: 'orphan-label', label });
    if (label % 2048 === 0) await maybeYield();
  }
  // 4. Counts agree.
  const indexElements = live.debugCounts().indexElements;
  if (indexElements !== live.labelCount) issues.add({ kind: 'count-mismatch', what: 'index-elements', expected: live.labelCount, actual: indexElements });
  if (liveInIndex !== live.faceCount) issues.add({ kind: 'count-mismatch', what: 'live-labels', expected: live.faceCount, actual: liveInIndex });
  if (expectedIdentities.size !== live.identityCount) issues.add({ kind: 'count-mismatch', what: 'identities', expected: expectedIdentities.size, actual: live.identityCount });
  if (expectedFaces !== live.faceCount) issues.add({ kind: 'count-mismatch', what: 'faces', expected: expectedFaces, actual: live.faceCount });

  // 5. Every face is found by its own vector.
  const searched = await checkFindability(live, labelOfFace, labelOfFace, issues, options, maybeYield);
  return { issues, deletedNodes: live.labelCount - liveInIndex, searched };
}

/** Searches only these faces with their own vectors (e.g. the ones a repair just re-inserted). */
export async function checkFacesFindable(live: InspectableCollection, faces: { identityId: string; faceId: string }[], options: CollectionCheckOptions): Promise<IssueList> {
  const issues = new IssueList();
  const labelOfFace = new Map<string, number>();
  for (const { identityId, faceId, label } of live.faceLabels()) labelOfFace.set(faceKey(identityId, faceId), label);
  const subset = new Map<string, number>();
  for (const { identityId, faceId } of faces) {
    const label = labelOfFace.get(faceKey(identityId, faceId));
    if (label !== undefined) subset.set(faceKey(identityId, faceId), label);
  }
  await checkFindability(live, labelOfFace, subset, issues, options, () => yieldToEventLoop());
  return issues;
}

/**
 * Searches each face with the vector its label holds. A miss is confirmed exactly before it is
 * reported: if at least k other faces score at least as high as the face itself (possible with
 * metric ip, or with exact duplicates), not finding it in the top k is right, not a defect.
 */
async function checkFindability(
  live: InspectableCollection,
  labelOfFace: Map<string, number>,
  toSearch: Map<string, number>,
  issues: IssueList,
  options: CollectionCheckOptions,
  maybeYield: () => Promise<void>,
): Promise<number> {
  let searched = 0;
  for (const [key, label] of toSearch) {
    const point = live.indexedPoint(label);
    if (point === null) continue; // reported above as label-not-in-index
    searched++;
    let { neighbors, distances } = live.nearestLabels(point, options.k, options.firstEf);
    if (!neighbors.includes(label) && options.ef > options.firstEf) ({ neighbors, distances } = live.nearestLabels(point, options.k, options.ef));
    if (!neighbors.includes(label) && closerFaces(live, labelOfFace, label, point) < options.k) {
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
function closerFaces(live: InspectableCollection, labelOfFace: Map<string, number>, label: number, point: number[]): number {
  const selfScore = dot(point, point);
  let closer = 0;
  for (const other of labelOfFace.values()) {
    if (other === label) continue;
    const otherPoint = live.indexedPoint(other);
    if (otherPoint !== null && dot(otherPoint, point) >= selfScore) closer++;
  }
  return closer;
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

function maxAbsDiff(point: number[], vector: Float32Array): number {
  if (point.length !== vector.length) return Infinity;
  let max = 0;
  for (let i = 0; i < point.length; i++) max = Math.max(max, Math.abs(point[i] - vector[i]));
  return max;
}
