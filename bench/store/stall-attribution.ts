/**
 * Names the cause of each long stall a phase of the stall bench saw (issue 6 item 9: every stall
 * over 10 ms attributed). Pure: the probes record, this decides. All times are ms on the probes'
 * clock; a stall is the span [atMs - ms, atMs].
 *
 * An event-loop gap is split by the main thread's scheduler accounting over the gap
 * (thread-census.ts): on a CPU, runnable but waiting, or neither (blocked). Then:
 *   - it waited for a CPU at least half of it (a GC pause included): if the timer-only process
 *     was off the CPU for at least half of it too, "machine"; else "CPU taken by <our threads
 *     that ran>" (hnswlib's writeIndex on a libuv thread, the upkeep's worker, V8's helpers)
 *   - GC pauses cover at least half of it                      -> "GC <kind>"
 *   - the thread was on a CPU at least half of it              -> "own code: <top profile frame>"
 *   - otherwise, if the timer-only process stalled for half of it too: "machine" (neither ran:
 *     the whole VM or the kernel held them); else "blocked" (a syscall, page fault or lock)
 * A writer's wait: the log fdatasync it overlapped, if that is at least half of it; else the
 * event-loop gap it overlapped (whose own cause is in the loop's rows); else "queue".
 */

export interface GcEvent {
  atMs: number; // start
  ms: number;
  kind: number;
}

export interface SpanEvent {
  atMs: number; // start
  ms: number;
  call: string;
  file: string;
}

export interface LoopGapRecord {
  atMs: number; // end
  ms: number;
  mainCpuMs: number | null;
  mainWaitMs: number | null;
  /** Other threads of this process that ran during the gap, most CPU first. */
  threads: { thread: string; cpuMs: number }[];
  /** The main thread's page faults during the gap (a blocked thread waiting for memory shows here). */
  mainFaults: { minor: number; major: number } | null;
  /** The main thread's user and system CPU time over the gap (10 ms ticks), null without /proc. */
  mainUserSys?: { userMs: number; systemMs: number } | null;
}

export interface StallRow {
  stall: 'loop' | 'write';
  atMs: number;
  ms: number;
  cause: string;
  gcMs: number;
  mainCpuMs: number | null;
  mainWaitMs: number | null;
  timerOnlyMs: number;
  detail: string;
}

/** perf_hooks' GC kinds (constants.NODE_PERFORMANCE_GC_*). */
export function gcKindName(kind: number): string {
  const names: [number, string][] = [
    [1, 'scavenge'],
    [2, 'mark-compact'],
    [4, 'incremental mark'],
    [8, 'weak callbacks'],
  ];
  return names.filter(([bit]) => kind & bit).map(([, name]) => name).join('+') || `kind ${kind}`;
}

const overlapMs = (fromA: number, toA: number, fromB: number, toB: number): number => Math.max(0, Math.min(toA, toB) - Math.max(fromA, fromB));
const r1 = (ms: number): number => Math.round(ms * 10) / 10;

/** Longest gap of the timer-only process overlapping [from, to], counted only for its overlapping part. */
export function timerOnlyStallMs(baselineGaps: { atMs: number; ms: number }[], from: number, to: number): number {
  let longest = 0;
  for (const g of baselineGaps) longest = Math.max(longest, overlapMs(g.atMs - g.ms, g.atMs, from, to));
  return longest;
}

export function attributeLoopGap(
  gap: LoopGapRecord,
  gcs: GcEvent[],
  baselineGaps: { atMs: number; ms: number }[],
  topFrame: (fromMs: number, toMs: number) => string | null,
): StallRow {
  const from = gap.atMs - gap.ms;
  const overlapping = gcs.filter((g) => overlapMs(g.atMs, g.atMs + g.ms, from, gap.atMs) > 0);
  const gcMs = overlapping.reduce((sum, g) => sum + overlapMs(g.atMs, g.atMs + g.ms, from, gap.atMs), 0);
  const timerOnlyMs = timerOnlyStallMs(baselineGaps, from, gap.atMs);
  const half = gap.ms / 2;
  const threads = gap.threads.filter((t) => t.cpuMs >= 1).map((t) => `${t.thread} ${r1(t.cpuMs)} ms`).join(', ');
  const frame = topFrame(from, gap.atMs);
  let cause: string;
  // Waiting for a CPU comes first: a GC pause spent in the run queue is as long as the wait, not the collection.
  if (gap.mainWaitMs !== null && gap.mainWaitMs >= half) cause = timerOnlyMs >= half ? 'machine (timer-only process off the CPU too)' : `CPU taken by our threads${threads ? `: ${threads}` : ' (none ran ≥ 1 ms: other processes)'}`;
  else if (gcMs >= half) {
    const longest = overlapping.reduce((a, b) => (b.ms > a.ms ? b : a));
    cause = `GC ${gcKindName(longest.kind)} ${r1(longest.ms)} ms`;
  } else if (gap.mainCpuMs !== null && gap.mainCpuMs >= half) cause = `own code: ${frame ?? 'no profile'}`;
  else if (gap.mainCpuMs === null) cause = timerOnlyMs >= half ? 'machine (timer-only process off the CPU too)' : 'unknown (no scheduler accounting)';
  else if (timerOnlyMs >= half) cause = 'machine (neither process ran: timer-only process stalled too)';
  else cause = `main thread blocked (not runnable) ${r1(gap.ms - gap.mainCpuMs - (gap.mainWaitMs ?? 0))} ms`;
  const faults = gap.mainFaults && gap.mainFaults.minor + gap.mainFaults.major > 0 ? `page faults: ${gap.mainFaults.minor} minor, ${gap.mainFaults.major} major` : '';
  const userSys = gap.mainUserSys ? `main thread user ${gap.mainUserSys.userMs} / system ${gap.mainUserSys.systemMs} ms (10 ms ticks)` : '';
  const parts = [faults, userSys, overlapping.length ? `GC: ${overlapping.map((g) => `${gcKindName(g.kind)} ${r1(g.ms)}`).join(', ')}` : '', frame ? `top frame: ${frame}` : '', threads ? `other threads: ${threads}` : ''];
  return { stall: 'loop', atMs: r1(gap.atMs), ms: r1(gap.ms), cause, gcMs: r1(gcMs), mainCpuMs: gap.mainCpuMs, mainWaitMs: gap.mainWaitMs, timerOnlyMs: r1(timerOnlyMs), detail: parts.filter(Boolean).join('; ') };
}

export function attributeWrite(
  write: { atMs: number; ms: number },
  fsEvents: SpanEvent[],
  loopRows: StallRow[],
  gcs: GcEvent[],
  baselineGaps: { atMs: number; ms: number }[],
): StallRow {
  const to = write.atMs + write.ms;
  const logSyncs = fsEvents.filter((e) => e.file.startsWith('wal/') && e.call === 'datasync' && overlapMs(e.atMs, e.atMs + e.ms, write.atMs, to) > 0);
  const logMs = Math.max(0, ...logSyncs.map((e) => overlapMs(e.atMs, e.atMs + e.ms, write.atMs, to)));
  const background = fsEvents.filter((e) => !e.file.startsWith('wal/') && overlapMs(e.atMs, e.atMs + e.ms, write.atMs, to) > 0);
  const gaps = loopRows.filter((g) => overlapMs(g.atMs - g.ms, g.atMs, write.atMs, to) > 0);
  const gapMs = gaps.reduce((sum, g) => sum + overlapMs(g.atMs - g.ms, g.atMs, write.atMs, to), 0);
  const gcMs = gcs.reduce((sum, g) => sum + overlapMs(g.atMs, g.atMs + g.ms, write.atMs, to), 0);
  const half = write.ms / 2;
  let cause: string;
  if (logMs >= half) cause = `log fdatasync ${r1(logMs)} ms${background.length ? ` beside ${[...new Set(background.map((e) => `${e.call} ${e.file}`))].join(', ')}` : ' (no snapshot sync beside it)'}`;
  else if (gapMs >= half) cause = `event-loop gap${gaps.length > 1 ? 's' : ''}: ${gaps.map((g) => `${g.ms} ms (${g.cause})`).join('; ')}`;
  else cause = `spread: log ${r1(logMs)} ms, loop gaps ${r1(gapMs)} ms, rest queueing/log round`;
  return {
    stall: 'write',
    atMs: r1(to),
    ms: r1(write.ms),
    cause,
    gcMs: r1(gcMs),
    mainCpuMs: null,
    mainWaitMs: null,
    timerOnlyMs: r1(timerOnlyStallMs(baselineGaps, write.atMs, to)),
    detail: logSyncs.map((e) => `log sync ${r1(e.ms)} ms at ${r1(e.atMs)}`).join(', '),
  };
}
