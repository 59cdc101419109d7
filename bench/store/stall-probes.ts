/**
 * What a benchmark of stalls watches while a phase runs: this event loop's gaps (a 1 ms timer,
 * each gap with its time), perf_hooks' loop-delay histogram, garbage collections, and the same
 * 1 ms timer in a separate process that does nothing else — the machine's own share of the gaps
 * (on a loaded 2-core machine a process is off the CPU for tens of ms at a time).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

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
}

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
const BASELINE_SOURCE = `
const gaps = [];
let last = performance.now();
const timer = setInterval(() => { const now = performance.now(); gaps.push(now - last); last = now; }, 1);
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', () => { clearInterval(timer); process.stdout.write(JSON.stringify(gaps) + '\\n'); process.exit(0); });
`;

function startBaseline(): { child: ChildProcess; ready: Promise<void>; result: Promise<number[] | null> } {
  const child = spawn(process.execPath, ['-e', BASELINE_SOURCE], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    out += chunk;
    if (out.startsWith('ready\n')) resolveReady();
  });
  const result = new Promise<number[] | null>((resolve) => {
    child.on('exit', () => {
      resolveReady();
      const line = out.split('\n')[1];
      try {
        resolve(JSON.parse(line) as number[]);
      } catch {
        resolve(null);
      }
    });
  });
  return { child, ready, result };
}

export interface Probes {
  /** ms since the probes started (the time base of every event reported). */
  now(): number;
  stop(): Promise<ProbeReport>;
}

export async function startProbes(): Promise<Probes> {
  const baseline = startBaseline();
  await baseline.ready;
  const origin = performance.now();
  const gaps: Gap[] = [];
  let last = origin;
  const ticker = setInterval(() => {
    const now = performance.now();
    gaps.push({ atMs: now - origin, ms: now - last });
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
      const baselineGaps = await baseline.result;
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
        baselineProcess: baselineGaps ? summarizeGaps(baselineGaps) : null,
      };
    },
  };
}
