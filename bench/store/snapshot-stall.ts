/**
 * How much background storage work stalls a shard: the event loop (heartbeats, searches) and writers.
 *
 *   npm run build && node dist/bench/store/snapshot-stall.js --identities 1000000 --dimension 128
 *
 * Fills a ShardStore (one face per identity, attributes like a real gallery, no background
 * snapshots, graph upkeep off during the fill), takes one snapshot of the fill (not measured: a
 * kept folder then reopens from it), then measures each phase while
 *   - a 1 ms timer measures the event loop's gaps (and perf_hooks' delay histogram, GC pauses),
 *   - the same timer runs in a separate process that does nothing else (the machine's own gaps),
 *   - a writer upserts one identity at a time (its wait = latency of each upsert),
 *   - a searcher runs k=10 searches back to back.
 * Phases: `steady` (5 s of the writer and searcher alone: this process's own floor, GC included),
 * `snapshot` (store.snapshot()) and `upkeep` (one graph-upkeep check, store.pinUnreachable(): the
 * newest snapshot's index file, here the snapshot phase's, read in paced steps and its links walked
 * on a worker thread; no snapshot of its own since branch `upkeep`; `afterSnapshot` in the JSON:
 * writers and log syncs once a snapshot taken in the phase is installed, null when none is). Every log fdatasync and snapshot
 * fsync is timed (timed-store-fs.ts), so the longest writes can be told apart.
 * Prints JSON. Options: --identities (default 100000), --dimension (128), --m (8),
 * --ef-construction (40), --phases (steady,snapshot,upkeep; none: only fill a kept folder), --dir (a temp folder, removed after),
 * --writer-batch (identities per write during the phases, default 1), --profile-us (sample the
 * event loop with V8's profiler at this interval during phases, to name the function of each long
 * stall in the `stalls` table; default 0: off, since the sampler adds its own work), --searcher off
 * (the writer alone, no searcher: tells CPU contention from waits on the disk), --keep (keep --dir and, when it already holds the filled store, reuse it: no fill; the 1M fill
 * takes tens of minutes on a loaded machine and what is measured does not depend on it).
 */
// First: the threads of node and V8 are told apart from libuv's by being there before it starts.
import { threadsAtStartup } from './thread-census';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShardStore, type SnapshotPhase } from '@faceshard/index';
import type { IdentityUpsert } from '@faceshard/contracts';
import { SeededRandom } from '../data/prng';
import { describeDiskWindow, diskWindow } from './disk-census';
import { attributeLoopGap, attributeWrite, type StallRow } from './stall-attribution';
import { LONG_GAP_MS, percentile, round, startProbes, type ProbeRecords, type ProbeReport } from './stall-probes';
import { timedStoreFs, type FsEvent } from './timed-store-fs';

type Phase = 'steady' | 'snapshot' | 'upkeep';
const PHASES: Phase[] = ['steady', 'snapshot', 'upkeep'];
/** How long the steady phase (writer and searcher, no background work) runs. */
const STEADY_MS = 5000;

interface Options {
  identities: number;
  dimension: number;
  m: number;
  efConstruction: number;
  phases: Phase[];
  dir: string | null;
  keep: boolean;
  /** Identities per write of the writer during the phases (1: single writes; 1000: a bulk load). */
  writerBatch: number;
  /** Sample the event loop's thread with V8's profiler every this many µs during phases (0: off), to name the function in a long gap. */
  profileUs: number;
  /** Run the back-to-back searcher beside the writer (off: the writer alone, to tell CPU contention from disk waits). */
  searcher: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { identities: 100_000, dimension: 128, m: 8, efConstruction: 40, phases: [...PHASES], dir: null, keep: false, writerBatch: 1, profileUs: 0, searcher: true };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--identities') options.identities = Number(value);
    else if (flag === '--dimension') options.dimension = Number(value);
    else if (flag === '--m') options.m = Number(value);
    else if (flag === '--ef-construction') options.efConstruction = Number(value);
    else if (flag === '--phases') options.phases = value === 'none' ? [] : (value.split(',').map((p) => p.trim()) as Phase[]);
    else if (flag === '--dir') options.dir = value;
    else if (flag === '--writer-batch') options.writerBatch = Number(value);
    else if (flag === '--profile-us') options.profileUs = Number(value);
    else if (flag === '--searcher') {
      if (value !== 'on' && value !== 'off') throw new Error(`--searcher takes on or off, got ${value}`);
      options.searcher = value === 'on';
    }
    else if (flag === '--keep') {
      options.keep = true;
      i--; // a flag without a value
    } else throw new Error(`unknown option ${flag} (see the comment at the top of bench/store/snapshot-stall.ts)`);
  }
  for (const phase of options.phases) if (!PHASES.includes(phase)) throw new Error(`unknown phase ${phase}`);
  if (options.keep && !options.dir) throw new Error('--keep needs --dir');
  return options;
}

function identity(n: number, dimension: number, random: () => number): IdentityUpsert {
  const vector = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) vector[i] = random() - 0.5;
  return { identityId: `person-${n}`, mode: 'replace', attributes: { name: `Person ${n}`, team: `t${n % 97}` }, faces: [{ faceId: 'f0', vector }] };
}

interface TimedWrite {
  atMs: number;
  ms: number;
}

/** The longest writes, each with the log fdatasyncs and event-loop gaps that overlapped it. */
function explainLongestWrites(writes: TimedWrite[], fsEvents: FsEvent[], gaps: ProbeReport['eventLoop']['longestGaps']): unknown[] {
  return [...writes]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)
    .map((w) => {
      const end = w.atMs + w.ms;
      const syncs = fsEvents.filter((e) => e.atMs < end && e.atMs + e.ms > w.atMs);
      return {
        atMs: round(w.atMs),
        ms: round(w.ms),
        overlappingSyncs: syncs.map((e) => ({ call: e.call, file: e.file, atMs: round(e.atMs), ms: round(e.ms) })),
        overlappingLongGaps: gaps.filter((g) => g.atMs > w.atMs && g.atMs - g.ms < end),
      };
    });
}

/**
 * The part of a phase after a snapshot in it was installed (the graph upkeep's own work once its
 * snapshot is written: reading the snapshot's index file and walking its graph): writers and log
 * syncs from then on, and the longest loop gaps among those the probes kept. null: no snapshot.
 */
function afterInstalled(marks: { phase: SnapshotPhase; atMs: number }[], writes: TimedWrite[], events: FsEvent[], gaps: ProbeReport['eventLoop']['longestGaps']): unknown {
  const installed = marks.find((m) => m.phase === 'installed')?.atMs;
  if (installed === undefined) return null;
  const waits = writes.filter((w) => w.atMs >= installed).map((w) => w.ms);
  const syncs = events.filter((e) => e.atMs >= installed && e.file.startsWith('wal/') && e.call === 'datasync').map((e) => e.ms);
  return {
    fromMs: installed,
    writer: { writes: waits.length, p50WaitMs: round(percentile(waits, 50)), p99WaitMs: round(percentile(waits, 99)), maxWaitMs: round(Math.max(0, ...waits)) },
    walDatasync: { count: syncs.length, p99Ms: round(percentile(syncs, 99)), maxMs: round(Math.max(0, ...syncs)) },
    longestLoopGapMs: round(Math.max(0, ...gaps.filter((g) => g.atMs - g.ms >= installed).map((g) => g.ms))),
  };
}

/** Durability calls per file (the log's segment, the snapshot's index and metadata files): count and times. */
function syncsByFile(events: FsEvent[]): Record<string, unknown> {
  const byFile = new Map<string, number[]>();
  for (const e of events) byFile.set(`${e.call} ${e.file}`, [...(byFile.get(`${e.call} ${e.file}`) ?? []), e.ms]);
  return Object.fromEntries(
    [...byFile].map(([file, ms]) => [file, { count: ms.length, p50Ms: round(percentile(ms, 50)), p99Ms: round(percentile(ms, 99)), maxMs: round(Math.max(...ms)), totalMs: Math.round(ms.reduce((a, b) => a + b, 0)) }]),
  );
}

/** The most dirty and under-writeback page cache seen (every 100 ms): whether the scratch index file reaches the disk too. */
function samplePageCache(): { stop(): { maxDirtyMB: number; maxWritebackMB: number } } {
  let maxDirtyMB = 0;
  let maxWritebackMB = 0;
  const sample = (): void => {
    let text = '';
    try {
      text = readFileSync('/proc/meminfo', 'utf8');
    } catch {
      return; // not Linux
    }
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    maxDirtyMB = Math.max(maxDirtyMB, Math.round(kb('Dirty') / 1024));
    maxWritebackMB = Math.max(maxWritebackMB, Math.round(kb('Writeback') / 1024));
  };
  const timer = setInterval(sample, 100);
  sample();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { maxDirtyMB, maxWritebackMB };
    },
  };
}

/**
 * Every stall over LONG_GAP_MS in a phase with its cause (stall-attribution.ts): the event loop's
 * gaps, then the writes that waited that long. Printed to stderr as a table, and in the JSON.
 */
function attributeStalls(phase: string, records: ProbeRecords, writes: TimedWrite[], fsEvents: FsEvent[]): StallRow[] {
  const { longGaps, gcs, baselineGaps, profile } = records;
  const topFrame = (from: number, to: number): string | null => {
    if (!profile) return null;
    const top = profile.topFrames(from, to, 2);
    return top.samples === 0 ? 'no samples (off the CPU)' : top.frames.map((f) => `${f.frame} ×${f.samples}`).join(' / ') + ` of ${top.samples}`;
  };
  const loopRows = longGaps.map((gap) => attributeLoopGap(gap, gcs, baselineGaps, topFrame));
  const writeRows = writes
    .filter((w) => w.ms > LONG_GAP_MS)
    .map((w) => {
      const row = attributeWrite(w, fsEvents, loopRows, gcs, baselineGaps);
      // What the disk did meanwhile: our background writes, another process's, or neither.
      const disk = records.disk && describeDiskWindow(diskWindow(records.disk, w.atMs, w.atMs + w.ms));
      return disk ? { ...row, detail: [row.detail, disk].filter(Boolean).join('; ') } : row;
    });
  const rows = [...loopRows, ...writeRows];
  process.stderr.write(`\n${phase}: stalls over ${LONG_GAP_MS} ms (ms; main cpu / run-queue wait over the gap; timer-only = the timer-only process's longest gap inside it)\n`);
  process.stderr.write('| stall | at | ms | main cpu / wait | GC | timer-only | cause | detail |\n|---|---|---|---|---|---|---|---|\n');
  for (const row of rows) {
    process.stderr.write(`| ${row.stall} | ${row.atMs} | ${row.ms} | ${row.mainCpuMs === null ? '' : `${round(row.mainCpuMs)} / ${round(row.mainWaitMs ?? 0)}`} | ${row.gcMs} | ${row.timerOnlyMs} | ${row.cause} | ${row.detail} |\n`);
  }
  return rows;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'faceshard-snapshot-stall-'));
  let seeded = new SeededRandom(42);
  const random = (): number => seeded.nextFloat();
  let clock = (): number => performance.now();
  const { fs, events: fsEvents } = timedStoreFs(() => clock());
  const phaseMarks: { phase: SnapshotPhase; atMs: number }[] = [];
  const openStarted = performance.now();
  const store = await ShardStore.open({
    dataDir: dir,
    fs,
    snapshotEveryOps: Number.MAX_SAFE_INTEGER,
    graphUpkeepIdleMs: 0, // measured as a phase of its own, not left to run into the snapshot's
    hnsw: { M: options.m, efConstruction: options.efConstruction, initialCapacity: options.identities + 100_000 },
    testHooks: { onSnapshotPhase: (phase) => void phaseMarks.push({ phase, atMs: round(clock()) }) },
  });
  const openSeconds = (performance.now() - openStarted) / 1000;
  try {
    await store.ensureCollection({ name: 'bench', dimension: options.dimension, metric: 'cosine' });
    const held = store.stats().find((c) => c.name === 'bench')?.identities ?? 0;
    const reused = options.keep && held >= options.identities;
    // A fill resumed in a kept folder (a 1M fill in pieces) draws new vectors, not the first piece's again.
    if (held > 0) seeded = new SeededRandom(42 + held);
    const fillStart = performance.now();
    if (!reused) {
      for (let n = held; n < options.identities; n += 1000) {
        const batch = Array.from({ length: Math.min(1000, options.identities - n) }, (_, i) => identity(n + i, options.dimension, random));
        await store.upsert('bench', batch);
        if (n % 100_000 === 0) process.stderr.write(`filled ${n} in ${Math.round((performance.now() - fillStart) / 1000)} s (load ${loadavg()[0].toFixed(1)})\n`);
      }
      await store.snapshot(); // of the fill: not measured
    }
    const fillSeconds = (performance.now() - fillStart) / 1000;

    let next = Math.max(options.identities, held) + 1_000_000; // writes during phases add new identities
    const phases: Record<string, unknown> = {};
    for (const phase of options.phases) {
      await store.upsert('bench', [identity(next++, options.dimension, random)]); // something new to snapshot
      const probes = await startProbes(threadsAtStartup, options.profileUs, dir);
      const pageCache = samplePageCache();
      clock = () => probes.now();
      const eventsBefore = fsEvents.length;
      phaseMarks.length = 0;
      let running = true;
      const writes: TimedWrite[] = [];
      const searches: number[] = [];
      const writer = (async () => {
        while (running) {
          const atMs = probes.now();
          await store.upsert('bench', Array.from({ length: options.writerBatch }, () => identity(next++, options.dimension, random)));
          writes.push({ atMs, ms: probes.now() - atMs });
        }
      })();
      const searcher = (async () => {
        const query = identity(0, options.dimension, random).faces[0].vector;
        while (running && options.searcher) {
          const started = performance.now();
          store.search('bench', query, 10);
          searches.push(performance.now() - started);
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      // Monotonic µs, the clock of a --cpu-prof profile: its samples in this window belong to the phase.
      const started = probes.now();
      process.stderr.write(`phase ${phase} starts at ${process.hrtime.bigint() / 1000n} us\n`);
      const loadBefore = loadavg()[0];
      if (phase === 'snapshot') await store.snapshot();
      else if (phase === 'upkeep') await store.pinUnreachable('bench');
      else await new Promise((resolve) => setTimeout(resolve, STEADY_MS));
      const phaseMs = probes.now() - started;
      running = false;
      process.stderr.write(`phase ${phase} ends at ${process.hrtime.bigint() / 1000n} us\n`);
      await Promise.all([writer, searcher]);
      const { records, ...probe } = await probes.stop();
      const events = fsEvents.slice(eventsBefore);
      const walSyncs = events.filter((e) => e.file.startsWith('wal/') && e.call === 'datasync').map((e) => e.ms);
      const waits = writes.map((w) => w.ms);
      phases[phase] = {
        phaseMs: Math.round(phaseMs),
        // The probes' time of the "phase ... starts at" line: maps every atMs here onto a --cpu-prof profile's clock.
        startedAtMs: round(started),
        loadavg1: [round(loadBefore), round(loadavg()[0])],
        writer: { writes: writes.length, maxWaitMs: round(Math.max(0, ...waits)), p99WaitMs: round(percentile(waits, 99)), p50WaitMs: round(percentile(waits, 50)) },
        walDatasync: { count: walSyncs.length, maxMs: round(Math.max(0, ...walSyncs)), p99Ms: round(percentile(walSyncs, 99)), p50Ms: round(percentile(walSyncs, 50)) },
        search: { searches: searches.length, maxMs: round(Math.max(0, ...searches)), p99Ms: round(percentile(searches, 99)) },
        ...probe,
        snapshotMarks: [...phaseMarks],
        syncsByFile: syncsByFile(events),
        pageCache: pageCache.stop(),
        storageSyncs: events.filter((e) => e.ms > 10 || (!e.file.startsWith('wal/') && !e.file.endsWith('.hnsw'))).map((e) => ({ ...e, atMs: round(e.atMs), ms: round(e.ms) })),
        longestWrites: explainLongestWrites(writes, events, probe.eventLoop.longestGaps),
        afterSnapshot: afterInstalled(phaseMarks, writes, events, probe.eventLoop.longestGaps),
        stalls: attributeStalls(phase, records, writes, events),
      };
      clock = () => performance.now();
    }

    const report = {
      bench: 'store/snapshot-stall',
      options,
      openSeconds: Math.round(openSeconds),
      fill: reused ? `reused ${held} identities in ${dir}` : `${Math.round(fillSeconds)} s`,
      phases,
      machine: { cpus: cpus().length, node: process.version, loadavg: loadavg().map((l) => round(l)) },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await store.close();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
