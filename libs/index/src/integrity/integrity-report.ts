import type { IntegrityIssue, IntegrityIssueKind } from '@faceshard/contracts';

export type { CollectionIntegrityReport, IntegrityIssue, IntegrityIssueKind, RepairAction, ShardIntegrityReport } from '@faceshard/contracts';

export const MAX_LISTED_ISSUES = 200;

/** Collects issues: counts every one, keeps the first MAX_LISTED_ISSUES. */
export class IssueList {
  readonly issues: IntegrityIssue[] = [];
  readonly counts: Partial<Record<IntegrityIssueKind, number>> = {};
  total = 0;

  /** Every unfindable face and orphan label, uncapped: what a repair acts on (few, in a healthy index). */
  readonly repairable: Extract<IntegrityIssue, { kind: 'unfindable' | 'orphan-label' }>[] = [];

  add(issue: IntegrityIssue): void {
    this.total++;
    this.counts[issue.kind] = (this.counts[issue.kind] ?? 0) + 1;
    if (this.issues.length < MAX_LISTED_ISSUES) this.issues.push(issue);
    if (issue.kind === 'unfindable' || issue.kind === 'orphan-label') this.repairable.push(issue);
  }
}
