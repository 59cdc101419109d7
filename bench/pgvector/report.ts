/** The text tables of bench:pgvector. Pure. */
import { formatTable } from '../cluster/report';
import { equalRecallRows, type EqualRecallRow } from './equal-recall';
import type { LadderPass } from './ladder';

const num = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const int = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-');

/** Every pass: system, ef, clients, recall, rank-1, QPS, latency, load. */
export function passTable(passes: readonly LadderPass[], k: number): string {
  const rows = [...passes]
    .sort((a, b) => a.system.localeCompare(b.system) || a.clients - b.clients || a.ef - b.ef)
    .map((p) => [
      p.system,
      String(p.clients),
      String(p.ef),
      num(p.recall, 3),
      num(p.rank1, 3),
      int(p.qps),
      num(p.latency.p50Ms, 2),
      num(p.latency.p99Ms, 2),
      `${num(p.load1m.start, 1)}-${num(p.load1m.end, 1)}`,
      p.partial ? String(p.partial) : '',
    ]);
  return formatTable(['system', 'clients', 'ef', `recall@${k}`, 'rank-1', 'QPS', 'p50 ms', 'p99 ms', 'load 1m', 'partial'], rows);
}

export interface Comparison {
  candidate: string;
  baseline: string;
  clients: number;
  rows: EqualRecallRow<LadderPass>[];
}

/** candidate ÷ baseline at each target recall, for every client count both were run with. */
export function compareAtEqualRecall(passes: readonly LadderPass[], candidate: string, baseline: string, targets: readonly number[]): Comparison[] {
  const clientCounts = [...new Set(passes.map((p) => p.clients))].sort((a, b) => a - b);
  return clientCounts.flatMap((clients) => {
    const of = (system: string): LadderPass[] => passes.filter((p) => p.system === system && p.clients === clients);
    const c = of(candidate);
    const b = of(baseline);
    if (c.length === 0 || b.length === 0) return [];
    return [{ candidate, baseline, clients, rows: equalRecallRows(c, b, targets) }];
  });
}

/**
 * One line per (client count, target): each side's smallest ef reaching the target with its QPS
 * and p50/p99, its QPS interpolated to the target, and the two ratios against `factor`.
 */
export function comparisonTable(comparisons: readonly Comparison[], k: number, factor: number): string {
  const rows = comparisons.flatMap((cmp) =>
    cmp.rows.map((row) => {
      const side = (s: typeof row.baseline): string[] =>
        s ? [`${s.reaching.ef}`, num(s.reaching.recall, 3), int(s.reaching.qps), `${num(s.reaching.latency.p50Ms, 2)} / ${num(s.reaching.latency.p99Ms, 2)}`, `${int(s.interpolatedQps)}${s.bracketed ? '' : '†'}`] : ['-', '-', '-', '-', '-'];
      const verdict = Number.isFinite(row.interpolatedRatio) && Number.isFinite(row.smallestEfRatio) ? (Math.min(row.interpolatedRatio, row.smallestEfRatio) >= factor ? 'yes' : Math.max(row.interpolatedRatio, row.smallestEfRatio) >= factor ? 'one way' : 'no') : '-';
      return [cmp.candidate, String(cmp.clients), num(row.target, 3), ...side(row.baseline), ...side(row.candidate), num(row.smallestEfRatio, 2), num(row.interpolatedRatio, 2), verdict];
    }),
  );
  const header = [
    'faceshard',
    'clients',
    `recall@${k}`,
    'pg ef',
    'pg recall',
    'pg QPS',
    'pg p50/p99 ms',
    'pg QPS interp.',
    'fs ef',
    'fs recall',
    'fs QPS',
    'fs p50/p99 ms',
    'fs QPS interp.',
    '÷ smallest ef',
    '÷ interp.',
    `>= ${factor}x`,
  ];
  return formatTable(header, rows);
}
