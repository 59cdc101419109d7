/**
 * What the integrity check found, as data. One issue per face/label/count that disagrees with the
 * source of truth (the snapshot + write-ahead log on disk), plus faces no search finds.
 */
export type IntegrityIssue =
  /** On disk, not in memory. */
  | { kind: 'missing-identity'; identityId: string }
  | { kind: 'missing-face'; identityId: string; faceId: string }
  /** In memory, not on disk. */
  | { kind: 'unexpected-identity'; identityId: string }
  | { kind: 'unexpected-face'; identityId: string; faceId: string; label: number }
  /** Same identity, but its attributes, version or face metadata differ from disk. */
  | { kind: 'identity-mismatch'; identityId: string; field: 'attributes' | 'version' | 'face-metadata' }
  /** A delete's tombstone (which keeps an old copy from bringing the identity back) differs from disk. */
  | { kind: 'tombstone-mismatch'; identityId: string; expected: number | null; actual: number | null }
  /** The metadata maps the face to a label the index does not hold (absent or marked deleted). */
  | { kind: 'label-not-in-index'; identityId: string; faceId: string; label: number }
  /** The index holds another vector under the face's label than the log/snapshot wrote. */
  | { kind: 'vector-mismatch'; identityId: string; faceId: string; label: number; maxAbsDiff: number }
  /** A label live in the index that no face owns: searches could return it, nothing maps it back. */
  | { kind: 'orphan-label'; label: number }
  /** A search with the face's own stored vector at a generous ef does not return it. */
  | {
      kind: 'unfindable';
      identityId: string;
      faceId: string;
      label: number;
      /** From the graph's links: false = no path from the entry point reaches the node at all. */
      reachable: boolean | null;
      /** What the search answered instead (its best hit), and at which score. */
      bestHit: { identityId: string | null; faceId: string | null; score: number } | null;
    }
  | { kind: 'count-mismatch'; what: 'index-elements' | 'live-labels' | 'identities' | 'faces'; expected: number; actual: number };

export type IntegrityIssueKind = IntegrityIssue['kind'];

/** What a repair did, in order. */
export type RepairAction =
  /** The face is scored exactly by every search from now on (the graph does not lead to it). */
  | { action: 'pinned-face'; identityId: string; faceId: string; label: number; reason: IntegrityIssueKind }
  | { action: 'removed-face'; identityId: string; faceId: string }
  | { action: 'removed-identity'; identityId: string }
  | { action: 'marked-orphan-deleted'; label: number }
  | { action: 'rebuilt-collection'; identities: number; faces: number; reason: string };

export interface CollectionIntegrityReport {
  collection: string;
  /** Faces and identities in the source of truth. */
  identities: number;
  faces: number;
  /** Index nodes marked deleted (kept until a rebuild; they cost memory, not correctness). */
  deletedNodes: number;
  /** Faces searches score exactly beside the graph, because the graph cut them off. */
  pinnedFaces: number;
  /** Faces searched for with their own vector, and the ef used. */
  searched: number;
  ef: number;
  ok: boolean;
  /** Count per issue kind (all of them, even when `issues` is truncated). */
  issueCounts: Partial<Record<IntegrityIssueKind, number>>;
  /** The first MAX_LISTED_ISSUES issues. */
  issues: IntegrityIssue[];
  repairs: RepairAction[];
  /** After a repair: what it touched, checked again (a rebuilt collection: all of it); ok = the repair worked. */
  afterRepair?: { ok: boolean; issueCounts: Partial<Record<IntegrityIssueKind, number>> };
}

export interface ShardIntegrityReport {
  /** Log position the check compared against (everything logged up to it). */
  lsn: number;
  ok: boolean;
  /** Collections on disk but not in memory, or the reverse. */
  missingCollections: string[];
  unexpectedCollections: string[];
  collections: CollectionIntegrityReport[];
  repaired: boolean;
  tookMs: number;
}
