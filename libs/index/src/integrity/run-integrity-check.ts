import type { StoreCatalog } from '../apply-op';
import { CollectionIndex, type HnswParams } from '../collection-index';
import { checkCollection, checkFacesFindable } from './check-collection';
import { reachabilityOf } from './graph-of-collection';
import type { CollectionIntegrityReport, IntegrityIssueKind, IssueList, RepairAction, ShardIntegrityReport } from './integrity-report';

export interface IntegrityCheckOptions {
  /** Only this collection (default: all). */
  collection?: string;
  /** Rebuild what is inconsistent (default false: report only). */
  repair?: boolean;
  /** ef of the second search for faces the collection's own ef misses (default max(4 * efSearch, 1000)). */
  ef?: number;
}

/** What the check needs from the store; called with the store's write lock held and the log flushed. */
export interface IntegrityTarget {
  lsn: number;
  params: HnswParams;
  /** The live collections (a repair may replace one). */
  collections: Map<string, CollectionIndex>;
  /** The same, replayed from disk: the source of truth. */
  truth: StoreCatalog;
  /** Logs and applies a pin of these faces (durable: replay pins them too). */
  pin(collection: string, faces: { identityId: string; faceId: string }[]): Promise<void>;
  log(message: string, details: Record<string, unknown>): void;
}

/** Issue kinds that mean memory disagrees with disk: the repair rebuilds the collection from disk. */
const DATA_DRIFT: IntegrityIssueKind[] = [
  'missing-identity',
  'missing-face',
  'unexpected-identity',
  'unexpected-face',
  'identity-mismatch',
  'tombstone-mismatch',
  'label-not-in-index',
  'vector-mismatch',
  'count-mismatch',
];

const FOUND_AMONG = 10;

export async function runIntegrityCheck(target: IntegrityTarget, options: IntegrityCheckOptions): Promise<ShardIntegrityReport> {
  const started = performance.now();
  const ef = options.ef ?? Math.max(4 * target.params.efSearch, 1000);
  const names = options.collection !== undefined ? [options.collection] : [...new Set([...target.collections.keys(), ...target.truth.collections.keys()])].sort();
  const missingCollections: string[] = [];
  const unexpectedCollections: string[] = [];
  const reports: CollectionIntegrityReport[] = [];
  let repaired = false;
  for (const name of names) {
    const live = target.collections.get(name);
    const truth = target.truth.collections.get(name);
    if (!live && !truth) continue;
    if (!live) {
      missingCollections.push(name);
      if (options.repair && truth) {
        target.collections.set(name, rebuild(truth, target.params));
        target.log('integrity repair: collection rebuilt from disk', { collection: name, reason: 'missing in memory' });
        repaired = true;
      }
      continue;
    }
    if (!truth) {
      unexpectedCollections.push(name); // dropping a collection is not a repair's call: reported for an operator
      continue;
    }
    const { report, repairable } = await checkOne(live, truth, target.params.efSearch, ef);
    if (options.repair && !report.ok) {
      report.afterRepair = await repairCollection(target, name, live, truth, report, repairable);
      repaired = true;
    }
    reports.push(report);
  }
  const ok = missingCollections.length === 0 && unexpectedCollections.length === 0 && reports.every((r) => r.ok);
  return { lsn: target.lsn, ok, missingCollections, unexpectedCollections, collections: reports, repaired, tookMs: Math.round(performance.now() - started) };
}

async function checkOne(live: CollectionIndex, truth: CollectionIndex, firstEf: number, ef: number): Promise<{ report: CollectionIntegrityReport; repairable: IssueList['repairable'] }> {
  const graph = await reachabilityOf(live);
  const result = await checkCollection(live, truth, { firstEf, ef, k: FOUND_AMONG, unreachableLabels: graph ? new Set(graph.unreachableLabels) : null });
  const report: CollectionIntegrityReport = {
    collection: truth.spec.name,
    identities: truth.identityCount,
    faces: truth.faceCount,
    deletedNodes: result.deletedNodes,
    pinnedFaces: live.pinnedCount,
    searched: result.searched,
    ef,
    ok: result.issues.total === 0,
    issueCounts: result.issues.counts,
    issues: result.issues.issues,
    repairs: [],
  };
  return { report, repairable: result.issues.repairable };
}

/**
 * Data drift (memory disagrees with disk): the collection is rebuilt from the source of truth (a
 * fresh index, every face a new node) and checked again in full. Otherwise unfindable faces are
 * pinned (every search scores them exactly; logged, so replay does it too) and searched again,
 * and labels no face owns are marked deleted.
 */
async function repairCollection(
  target: IntegrityTarget,
  name: string,
  live: CollectionIndex,
  truth: CollectionIndex,
  report: CollectionIntegrityReport,
  repairable: IssueList['repairable'],
): Promise<NonNullable<CollectionIntegrityReport['afterRepair']>> {
  const drift = DATA_DRIFT.filter((kind) => (report.issueCounts[kind] ?? 0) > 0);
  if (drift.length > 0) {
    const rebuilt = rebuild(truth, target.params);
    target.collections.set(name, rebuilt);
    const action: RepairAction = { action: 'rebuilt-collection', identities: rebuilt.identityCount, faces: rebuilt.faceCount, reason: drift.join(', ') };
    report.repairs.push(action);
    target.log('integrity repair', { collection: name, ...action });
    const after = (await checkOne(rebuilt, truth, target.params.efSearch, report.ef)).report;
    return { ok: after.ok, issueCounts: after.issueCounts };
  }
  const faces: { identityId: string; faceId: string; label: number }[] = [];
  for (const issue of repairable) {
    if (issue.kind === 'orphan-label') {
      live.markOrphanDeleted(issue.label);
      report.repairs.push({ action: 'marked-orphan-deleted', label: issue.label });
    } else {
      faces.push({ identityId: issue.identityId, faceId: issue.faceId, label: issue.label });
    }
  }
  if (faces.length > 0) {
    await target.pin(name, faces.map(({ identityId, faceId }) => ({ identityId, faceId })));
    for (const face of faces) report.repairs.push({ action: 'pinned-face', identityId: face.identityId, faceId: face.faceId, label: face.label, reason: 'unfindable' });
  }
  target.log('integrity repair', { collection: name, pinnedFaces: faces.length, orphanLabels: report.repairs.length - faces.length });
  const stillUnfindable = await checkFacesFindable(live, faces, { firstEf: target.params.efSearch, ef: report.ef, k: FOUND_AMONG, unreachableLabels: null });
  const orphansLeft = repairable.filter((issue) => issue.kind === 'orphan-label' && live.indexedPoint(issue.label) !== null).length;
  const issueCounts: CollectionIntegrityReport['issueCounts'] = { ...stillUnfindable.counts };
  if (orphansLeft > 0) issueCounts['orphan-label'] = orphansLeft;
  return { ok: stillUnfindable.total === 0 && orphansLeft === 0, issueCounts };
}

/**
 * A new hnswlib collection holding exactly the truth: every identity with its version, attributes,
 * face metadata and vectors (as stored: already normalised, so not prepared again), every tombstone.
 */
export function rebuild(truth: CollectionIndex, params: HnswParams): CollectionIndex {
  const index = CollectionIndex.create(truth.spec, params);
  for (const identityId of truth.identityIds()) {
    const copy = truth.exportVersioned(identityId);
    if (!copy || copy.deleted) continue;
    index.applyIdentity(
      {
        identityId,
        mode: 'replace',
        ...(copy.attributes !== undefined ? { attributes: copy.attributes } : {}),
        faces: copy.faces.map((face) => ({ faceId: face.faceId, point: Array.from(face.vector), ...(face.meta !== undefined ? { meta: face.meta } : {}) })),
      },
      copy.version,
    );
  }
  for (const { identityId, version } of truth.tombstoneList()) index.applyDelete([identityId], [version]);
  return index;
}
