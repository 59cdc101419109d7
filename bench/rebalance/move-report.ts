/** The report of one measured move (join or leave) of bench:rebalance. Pure. */
import { summariseLatencies } from '../cluster/latency';
import type { MoveWindow } from './move-window';

export interface MoveReport {
  moved: number;
  movedFraction: number;
  idealFraction: number;
  migrateSeconds: number;
  movedPerSecond: number;
  /** Filled in once the raw pass after the cluster ran is known (against the mean of both raw passes). */
  movedPerSecondVsRaw: number | null;
  wholeMoveSeconds: number;
  /** perSecond: searches answered per second in the window (an open-loop load: the rate it was sent at, if kept up). */
  searchWithoutMove: { n: number; perSecond: number; p50: number; p99: number };
  searchDuringMove: { n: number; perSecond: number; p50: number; p99: number };
  p99DuringVsWithout: number;
  /** The slowest 1% of the searches during the move (at least 5): [seconds into the migrate stage, ms], by start time. */
  slowestDuringMove: [number, number][];
  cpuWithoutMove: MoveWindow['cpuWithoutMove'];
  cpuDuringMigrate: MoveWindow['cpuDuringMigrate'];
  /** Identities moved per CPU-second the receivers used (all of it: also their searches, in a leave). */
  receiverMovedPerCpuSecond: number | null;
  receiverThreads: MoveWindow['receiverThreads'];
  receiverNice: MoveWindow['receiverNice'];
  coordinator: string | null;
  loadAverage1m: number[];
}

/**
 * `moved` identities changed shard out of `count`; `ideal` is the fraction consistent hashing
 * would move with perfectly even shares (1/3 for both 2 -> 3 and 3 -> 2).
 */
export function moveReport(window: MoveWindow, moved: number, count: number, ideal: number, receivers: string[]): MoveReport {
  const idle = summariseLatencies(window.idle);
  const during = summariseLatencies(window.during);
  const receiverCores = receivers.reduce((sum, r) => sum + (window.cpuDuringMigrate?.cores[r] ?? 0), 0);
  const movedPerSecond = moved / window.migrateSeconds;
  return {
    moved,
    movedFraction: round(moved / count, 3),
    idealFraction: round(ideal, 3),
    migrateSeconds: round(window.migrateSeconds, 1),
    movedPerSecond: Math.round(movedPerSecond),
    movedPerSecondVsRaw: null,
    wholeMoveSeconds: round(window.wholeSeconds, 1),
    searchWithoutMove: { n: idle.count, perSecond: Math.round(idle.count / window.idleSeconds), p50: round(idle.p50Ms, 2), p99: round(idle.p99Ms, 2) },
    searchDuringMove: { n: during.count, perSecond: Math.round(during.count / window.migrateSeconds), p50: round(during.p50Ms, 2), p99: round(during.p99Ms, 2) },
    p99DuringVsWithout: round(during.p99Ms / idle.p99Ms, 2),
    slowestDuringMove: slowest(window.during, window.duringStartSeconds),
    cpuWithoutMove: window.cpuWithoutMove,
    cpuDuringMigrate: window.cpuDuringMigrate,
    receiverMovedPerCpuSecond: receiverCores > 0 ? Math.round(movedPerSecond / receiverCores) : null,
    receiverThreads: window.receiverThreads,
    receiverNice: window.receiverNice,
    coordinator: window.coordinator,
    loadAverage1m: window.loads,
  };
}

/** The move rate against the raw hnswlib insert rate (mean of the passes before and after the cluster). */
export function withRawRatio<T extends MoveReport>(report: T, rawBefore: number, rawAfter: number): T {
  return { ...report, movedPerSecondVsRaw: round(report.movedPerSecond / ((rawBefore + rawAfter) / 2), 2) };
}

function slowest(ms: number[], startSeconds: number[]): [number, number][] {
  const n = Math.max(5, Math.ceil(ms.length / 100));
  const order = ms.map((_, i) => i).sort((a, b) => ms[b] - ms[a]).slice(0, n);
  return order.sort((a, b) => a - b).map((i) => [round(startSeconds[i], 2), round(ms[i], 1)]);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
