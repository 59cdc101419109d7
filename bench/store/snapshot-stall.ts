/**
 * How much a snapshot stalls a shard: the event loop (heartbeats, searches) and writers.
 *
 *   npm run build && node dist/bench/store/snapshot-stall.js --identities 1000000 --dimension 128
 *
 * Fills a ShardStore in a temporary folder (one face per identity, attributes like a real
 * gallery, no background snapshots), then takes one snapshot while
 *   - a 1 ms timer measures the event loop's longest gap (and perf_hooks' delay histogram),
 *   - a writer upserts one identity at a time (its wait = latency of each upsert),
 *   - a searcher runs k=10 searches back to back.
 * Prints JSON: snapshot time, max/p99 event-loop stall, writer max/p99 and how many writes went
 * through during the snapshot, search max/p99. Options: --identities (default 100000),
 * --dimension (128), --m (8), --ef-construction (40), --dir (a temp folder; removed after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ShardStore } from '@faceshard/index';
import type { IdentityUpsert } from '@faceshard/contracts';
import { SeededRandom } from '../data/prng';

interface Options {
  identities: number;
  dimension: number;
  m: number;
  efConstruction: number;
  dir: string | null;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { identities: 100_000, dimension: 128, m: 8, efConstruction: 40, dir: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--identities') options.identities = Number(value);
    else if (flag === '--dimension') options.dimension = Number(value);
    else if (flag === '--m') options.m = Number(value);
    else if (flag === '--ef-construction') options.efConstruction = Number(value);
    else if (flag === '--dir') options.dir = value;
    else throw new Error(`unknown option ${flag} (see the comment at the top of bench/store/snapshot-stall.ts)`);
  }
  return options;
}

function identity(n: number, dimension: number, random: () => number): IdentityUpsert {
  const vector = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) vector[i] = random() - 0.5;
  return { identityId: `person-${n}`, mode: 'replace', attributes: { name: `Person ${n}`, team: `t${n % 97}` }, faces: [{ faceId: 'f0', vector }] };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'faceshard-snapshot-stall-'));
  const seeded = new SeededRandom(42);
  const random = (): number => seeded.nextFloat();
  const store = await ShardStore.open({
    dataDir: dir,
    snapshotEveryOps: Number.MAX_SAFE_INTEGER,
    hnsw: { M: options.m, efConstruction: options.efConstruction, initialCapacity: options.identities + 1024 },
  });
  try {
    await store.ensureCollection({ name: 'bench', dimension: options.dimension, metric: 'cosine' });
    const fillStart = performance.now();
    for (let n = 0; n < options.identities; n += 1000) {
      const batch = Array.from({ length: Math.min(1000, options.identities - n) }, (_, i) => identity(n + i, options.dimension, random));
      await store.upsert('bench', batch);
      if (n % 100_000 === 0) process.stderr.write(`filled ${n} in ${Math.round((performance.now() - fillStart) / 1000)} s\n`);
    }
    const fillSeconds = (performance.now() - fillStart) / 1000;

    // Measure while one snapshot runs.
    const gaps: number[] = [];
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 1);
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    let snapshotting = true;
    const writes: number[] = [];
    const searches: number[] = [];
    const writer = (async () => {
      for (let n = options.identities; snapshotting; n++) {
        const started = performance.now();
        await store.upsert('bench', [identity(n, options.dimension, random)]);
        writes.push(performance.now() - started);
      }
    })();
    const searcher = (async () => {
      const query = identity(0, options.dimension, random).faces[0].vector;
      while (snapshotting) {
        const started = performance.now();
        store.search('bench', query, 10);
        searches.push(performance.now() - started);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const snapshotStart = performance.now();
    await store.snapshot();
    const snapshotMs = performance.now() - snapshotStart;
    snapshotting = false;
    await Promise.all([writer, searcher]);
    clearInterval(ticker);
    histogram.disable();

    const report = {
      bench: 'store/snapshot-stall',
      options,
      fillSeconds: Math.round(fillSeconds),
      snapshotMs: Math.round(snapshotMs),
      eventLoop: { maxGapMs: round(Math.max(...gaps)), p99GapMs: round(percentile(gaps, 99)), histogramMaxMs: round(histogram.max / 1e6) },
      writer: { writesDuringSnapshot: writes.length, maxWaitMs: round(Math.max(0, ...writes)), p99WaitMs: round(percentile(writes, 99)), p50WaitMs: round(percentile(writes, 50)) },
      search: { searchesDuringSnapshot: searches.length, maxMs: round(Math.max(0, ...searches)), p99Ms: round(percentile(searches, 99)) },
      machine: { cpus: cpus().length, node: process.version, loadavg: loadavg().map((l) => Math.round(l * 10) / 10) },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await store.close();
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
