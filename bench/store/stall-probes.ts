/**
 * What a benchmark of stalls watches while a phase runs: this event loop's gaps (a 1 ms timer,
 * each gap with its time), perf_hooks' loop-delay histogram, garbage collections, and the same
 * 1 ms timer in a separate process that does nothing else — the machine's own share of the gaps
 * (on a loaded 2-core machine a process is off the CPU for tens of ms at a time).
 */
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { deviceOf, diskWindow, startDiskCensus, type DiskCensus, type DiskWindow } from './disk-census';
import { startProbeChild } from './probe-child';
import { startMainThreadProfile, type MainThreadProfile } from './main-thread-profile';
import type { GcEvent, LoopGapRecord } from './stall-attribution';
import { openThreadCensus, type ThreadTimes } from './thread-census';

export interface Gap {
  /** When the gap ended, ms after the probes started. */
  atMs: number;
  ms: number;
}

export interface GapSummary {
  maxGapMs: number;
  p99GapMs: number;
  p50GapMs: number;
  /** Gaps over 20 ms. */
  over20ms: number;
}

export interface ProbeReport {
  eventLoop: GapSummary & { histogramMaxMs: number; longestGaps: Gap[] };
  gc: { count: number; totalMs: number; maxMs: number; longest: { atMs: number; ms: number; kind: number }[] };
  /** A timer-only process over the same span: the machine's gaps, not this process's work. */
  baselineProcess: GapSummary | null;
  /** The data folder's disk over the phase (disk-census.ts); null when not watched. */
  disk: DiskWindow | null;
}

/** What the attribution of long stalls needs (stall-attribution.ts); not printed as such. */
export interface ProbeRecords {
  /** Every event-loop gap over LONG_GAP_MS, with the scheduler's accounting of it. */
  longGaps: LoopGapRecord[];
  gcs: GcEvent[];
  /** The timer-only process's gaps over 2 ms, on this process's probe clock. */
  baselineGaps: Gap[];
  /** null unless started with a profile. */
  profile: MainThreadProfile | null;
  /** The disk's counters and who wrote, on this process's probe clock; null when not watched. */
  disk: DiskCensus | null;
}

/** Gaps recorded with their scheduler accounting (the target is a few ms). */
export const LONG_GAP_MS = 10;

/** Monotonic ms (CLOCK_MONOTONIC, shared by every process on the machine and by V8's profiler). */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const round = (ms: number): number => Math.round(ms * 10) / 10;

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function summarizeGaps(gaps: number[]): GapSummary {
  return {
    maxGapMs: round(Math.max(0, ...gaps)),
    p99GapMs: round(percentile(gaps, 99)),
    p50GapMs: round(percentile(gaps, 50)),
    over20ms: gaps.filter((g) => g > 20).length,
  };
}

/** The timer-only process: ticks every 1 ms, prints its gaps' summary when its stdin closes. */
// Each gap as [end on the monotonic clock in ms, length in ms], so it can be laid beside this process's.
const BASELINE_SOURCE = `
const gaps = [];
const now = () => Number(process.hrtime.bigint()) / 1e6;
let last = now();
const timer = setInterval(() => { const at = now(); gaps.push([at, at - last]); last = at; }, 1);
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', () => { clearInterval(timer); process.stdout.write(JSON.stringify(gaps) + '\\n'); process.exit(0); });
`;

function startBaseline(): { child: ChildProcess; ready: Promise<void>; result: Promise<[number, number][] | null> } {
  return startProbeChild<[number, number][]>(BASELINE_SOURCE);
}

export interface Probes {
  /** ms since the probes started (the time base of every event reported). */
  now(): number;
  stop(): Promise<ProbeReport & { records: ProbeRecords }>;
}

/**
 * `platformThreads`: this process's threads before the store opened (thread-census.ts);
 * `profileIntervalUs`: also sample this thread with V8's profiler (0: not); `diskOf`: watch the
 * disk that holds this path (disk-census.ts; null: not).
 */
export async function startProbes(platformThreads: ReadonlySet<number> = new Set(), profileIntervalUs = 0, diskOf: string | null = null): Promise<Probes> {
  const baseline = startBaseline();
  const diskCensus = startDiskCensus(diskOf ? deviceOf(diskOf) : null);
  await Promise.all([baseline.ready, diskCensus.ready]);
  const census = openThreadCensus(platformThreads);
  // Started before the origin: starting the profiler blocks this thread ~0.1 s, which is not the phase's.
  const profiler = profileIntervalUs > 0 ? await startMainThreadProfile(profileIntervalUs, (ms) => ms - originMonotonic) : null;
  const origin = performance.now();
  const originMonotonic = monotonicMs() - (performance.now() - origin);
  const gaps: Gap[] = [];
  const longGaps: LoopGapRecord[] = [];
  let last = origin;
  let lastTimes: ThreadTimes = census.read(0);
  const ticker = setInterval(() => {
    const now = performance.now();
    const times = census.read(now - origin);
    gaps.push({ atMs: now - origin, ms: now - last });
    if (now - last > LONG_GAP_MS) longGaps.push(gapRecord(now - origin, now - last, lastTimes, times, census.describe));
    lastTimes = times;
    last = now;
  }, 1);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const collections: { atMs: number; ms: number; kind: number }[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      collections.push({ atMs: entry.startTime - origin, ms: entry.duration, kind: (entry as { detail?: { kind?: number } }).detail?.kind ?? 0 });
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  return {
    now: () => performance.now() - origin,
    async stop() {
      clearInterval(ticker);
      histogram.disable();
      gcObserver.disconnect();
      baseline.child.stdin?.end();
      census.close();
      const profile = profiler ? await profiler.stop() : null;
      const baselineGaps = (await baseline.result)?.map(([at, ms]) => ({ atMs: at - originMonotonic, ms })) ?? null;
      const watched = await diskCensus.stop();
      const disk: DiskCensus | null = watched && {
        device: watched.device,
        disk: watched.disk.map(([at, ...rest]) => [at - originMonotonic, ...rest] as DiskCensus['disk'][number]),
        writes: watched.writes.map(([at, ...rest]) => [at - originMonotonic, ...rest] as DiskCensus['writes'][number]),
      };
      const stoppedAt = performance.now() - origin;
      const byLength = [...gaps].sort((a, b) => b.ms - a.ms);
      const gcMs = collections.map((c) => c.ms);
      return {
        eventLoop: {
          ...summarizeGaps(gaps.map((g) => g.ms)),
          histogramMaxMs: round(histogram.max / 1e6),
          longestGaps: byLength.slice(0, 8).map((g) => ({ atMs: round(g.atMs), ms: round(g.ms) })),
        },
        gc: {
          count: collections.length,
          totalMs: round(gcMs.reduce((a, b) => a + b, 0)),
          maxMs: round(Math.max(0, ...gcMs)),
          longest: [...collections].sort((a, b) => b.ms - a.ms).slice(0, 5).map((c) => ({ atMs: round(c.atMs), ms: round(c.ms), kind: c.kind })),
        },
        baselineProcess: baselineGaps ? summarizeGaps(baselineGaps.map((g) => g.ms)) : null,
        disk: disk && diskWindow(disk, 0, stoppedAt),
        records: { longGaps, gcs: collections, baselineGaps: (baselineGaps ?? []).filter((g) => g.ms > 2), profile, disk },
      };
    },
  };
}

/** One long gap with the scheduler's accounting between the ticks around it. */
function gapRecord(atMs: number, ms: number, before: ThreadTimes, after: ThreadTimes, describe: (tid: number) => string): LoopGapRecord {
  const delta = (map: 'cpuNs' | 'waitNs', tid: number): number | null => {
    const a = before[map].get(tid);
    const b = after[map].get(tid);
    return a === undefined || b === undefined ? null : (b - a) / 1e6;
  };
  const threads: LoopGapRecord['threads'] = [];
  for (const tid of after.cpuNs.keys()) {
    if (tid === process.pid) continue;
    const cpuMs = delta('cpuNs', tid) ?? (after.cpuNs.get(tid) ?? 0) / 1e6; // a thread started in the gap: all of its time
    if (cpuMs > 0.1) threads.push({ thread: describe(tid), cpuMs: Math.round(cpuMs * 10) / 10 });
  }
  threads.sort((a, b) => b.cpuMs - a.cpuMs);
  const faults = before.mainFaults && after.mainFaults ? { minor: after.mainFaults[0] - before.mainFaults[0], major: after.mainFaults[1] - before.mainFaults[1] } : null;
  const userSys = before.mainUserSysMs && after.mainUserSysMs ? { userMs: after.mainUserSysMs[0] - before.mainUserSysMs[0], systemMs: after.mainUserSysMs[1] - before.mainUserSysMs[1] } : null;
  return { atMs, ms, mainCpuMs: delta('cpuNs', process.pid), mainWaitMs: delta('waitNs', process.pid), threads, mainFaults: faults, mainUserSys: userSys };
}
