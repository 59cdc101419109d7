/**
 * Where one big shard's one-client search tail comes from, in one process, without the cluster:
 * one collection of N synthetic face-like identities (the generator bench:cluster uses), searched
 * one query at a time, each query timed, V8's GC events recorded beside them.
 *
 *   node dist/bench/store/search-tail.js --identities 500000 --dir /tmp/x --mode raw      # hnswlib alone
 *   node dist/bench/store/search-tail.js --identities 500000 --dir /tmp/x --mode index    # the store's CollectionIndex
 *
 * The first run builds the hnswlib index (M 16 / efConstruction 100, as bench:cluster at 1M) and
 * keeps it with the probes in --dir; later runs read it (seconds, not minutes), so `raw` and
 * `index` search the very same graph. `index` puts the same file under a CollectionIndex restored
 * with one identity `p<i>` holding face `f0` at label i (a shard's identity map, as a restart
 * builds it). `--garbage KB` allocates that much short-lived garbage per query (a shard's request
 * decoding, reply encoding and NATS buffers), so scavenges come at a server's rate. Prints JSON:
 * latency percentiles, GC pauses by kind, and the queries that overlapped a GC pause; with
 * `node --expose-gc`, also five forced full GCs timed after loading (what one mark-compact of
 * this heap costs).
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, constants as perfConstants, performance } from 'node:perf_hooks';
import { HierarchicalNSW } from 'hnswlib-node';
import { CollectionIndex, type VectorIndex } from '../../libs/index/src/collection-index';
import type { CollectionMeta } from '../../libs/index/src/collection-meta';
import { prepareVector } from '../../libs/index/src/vector-math';
import type { CollectionSpec } from '@faceshard/contracts';
import { makeBenchDataset } from '../cluster/bench-dataset';

interface Options {
  identities: number;
  dir: string;
  mode: 'raw' | 'index' | 'build' | 'pair-raw' | 'pair-index' | 'child-raw' | 'child-index';
  /** pair modes: how many searcher processes answer each query (the cluster's shards: 2). */
  children: number;
  ef: number;
  k: number;
  seconds: number;
  probes: number;
  m: number;
  efConstruction: number;
  garbageKb: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { identities: 500_000, dir: '', mode: 'raw', ef: 1449, k: 10, seconds: 20, probes: 2000, m: 16, efConstruction: 100, garbageKb: 0, children: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--identities') o.identities = Number(value);
    else if (flag === '--dir') o.dir = value;
    else if (flag === '--mode') o.mode = value as Options['mode'];
    else if (flag === '--ef') o.ef = Number(value);
    else if (flag === '--k') o.k = Number(value);
    else if (flag === '--seconds') o.seconds = Number(value);
    else if (flag === '--probes') o.probes = Number(value);
    else if (flag === '--m') o.m = Number(value);
    else if (flag === '--ef-construction') o.efConstruction = Number(value);
    else if (flag === '--garbage') o.garbageKb = Number(value);
    else if (flag === '--children') o.children = Number(value);
    else throw new Error(`unknown option ${flag}`);
  }
  if (!o.dir) throw new Error('--dir is required');
  return o;
}

const DIMENSION = 128;

/** As the store normalises a cosine vector, so raw hnswlib and the store search the same points. */
const normalised = (v: Float32Array): number[] => prepareVector(v, DIMENSION, 'cosine');

/** Builds the index and the probes once; later runs read them. */
function ensureBuilt(o: Options): void {
  const indexPath = join(o.dir, 'index.hnsw');
  if (existsSync(indexPath)) return;
  mkdirSync(o.dir, { recursive: true });
  const t0 = performance.now();
  const data = makeBenchDataset({ identities: o.identities, probes: o.probes, facesPerIdentity: 1, unenrolledFraction: 0.2, seed: 42, centre: false });
  console.error(`generated ${o.identities} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const hnsw = new HierarchicalNSW('ip', DIMENSION);
  hnsw.initIndex(o.identities, o.m, o.efConstruction, 100);
  for (let i = 0; i < o.identities; i++) {
    hnsw.addPoint(normalised(data.gallery.vectors.subarray(i * DIMENSION, (i + 1) * DIMENSION)), i);
    if (i % 50_000 === 0) console.error(`built ${i} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  hnsw.writeIndexSync(indexPath);
  writeFileSync(join(o.dir, 'probes.f32'), Buffer.from(data.probes.vectors.buffer, data.probes.vectors.byteOffset, data.probes.vectors.byteLength));
  console.error(`built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

/** The identity map a shard restores for one face per identity (ids made as a decoder makes them: one string each). */
function shardMeta(n: number): CollectionMeta {
  const identities: CollectionMeta['identities'] = new Array(n);
  for (let i = 0; i < n; i++) identities[i] = { identityId: `p${i}`, faceIds: [['f', 0].join('')], labels: [i], version: i + 1 };
  return { nextLabel: n, freeLabels: [], identities, tombstones: [] };
}

interface GcEvent { start: number; end: number; kind: string }

const GC_KIND: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(ms: number[]): Record<string, number> {
  const s = [...ms].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { n: s.length, p50: r(pct(s, 50)), p90: r(pct(s, 90)), p99: r(pct(s, 99)), p999: r(pct(s, 99.9)), max: r(s[s.length - 1] ?? NaN) };
}

interface Loaded {
  searchOne: (q: number) => unknown;
  probeCount: number;
  identities: number;
  rssStart: number;
  rssIndex: number;
  rssLoaded: number;
  heapLoaded: number;
}

/** Reads the index (and, for `index`, restores a CollectionIndex over it). */
function loadSearcher(o: Options, kind: 'raw' | 'index'): Loaded {
  const probes = new Float32Array(new Uint8Array(readFileSync(join(o.dir, 'probes.f32'))).buffer);
  const probeCount = probes.length / DIMENSION;
  const rssStart = process.memoryUsage().rss;
  const hnsw = new HierarchicalNSW('ip', DIMENSION);
  hnsw.readIndexSync(join(o.dir, 'index.hnsw'));
  const rssIndex = process.memoryUsage().rss;
  let searchOne: (q: number) => unknown;
  if (kind === 'raw') {
    hnsw.setEf(o.ef);
    const points = Array.from({ length: probeCount }, (_, q) => normalised(probes.subarray(q * DIMENSION, (q + 1) * DIMENSION)));
    searchOne = (q) => hnsw.searchKnn(points[q], o.k);
  } else {
    const spec: CollectionSpec = { name: 'c', dimension: DIMENSION, metric: 'cosine' };
    const params = { M: o.m, efConstruction: o.efConstruction, efSearch: o.ef, initialCapacity: 1024 };
    const collection = CollectionIndex.restore(spec, hnsw as unknown as VectorIndex, shardMeta(hnsw.getCurrentCount()), params);
    const queries = Array.from({ length: probeCount }, (_, q) => probes.slice(q * DIMENSION, (q + 1) * DIMENSION));
    searchOne = (q) => collection.search(queries[q], o.k, { ef: o.ef });
  }
  global.gc?.();
  const rssLoaded = process.memoryUsage().rss;
  const heapLoaded = process.memoryUsage().heapUsed;

  return { searchOne, probeCount, identities: hnsw.getCurrentCount(), rssStart, rssIndex, rssLoaded, heapLoaded };
}

/** A searcher process of a pair run: answers {q} with the milliseconds its search took. */
function serveChild(o: Options, searchOne: (q: number) => unknown): void {
  for (let q = 0; q < 300; q++) searchOne(q); // warm-up
  process.on('message', (m: { q: number } | 'stop') => {
    if (m === 'stop') process.exit(0);
    const t = performance.now();
    searchOne(m.q);
    if (o.garbageKb > 0) {
      const parts: unknown[] = [];
      for (let b = 0; b < o.garbageKb; b++) parts.push({ b, bytes: new Uint8Array(768), s: `k${b}` });
    }
    process.send?.({ ms: performance.now() - t });
  });
  process.send?.('ready');
}

/**
 * The cluster's shape without the network: `children` searcher processes each answer every query
 * (one at a time, like one client), the answer is ready when the slowest has answered.
 */
async function runPair(o: Options): Promise<void> {
  const childMode = o.mode === 'pair-raw' ? 'child-raw' : 'child-index';
  const args = ['--identities', String(o.identities), '--dir', o.dir, '--mode', childMode, '--ef', String(o.ef), '--k', String(o.k), '--m', String(o.m), '--ef-construction', String(o.efConstruction), '--garbage', String(o.garbageKb)];
  const children = Array.from({ length: o.children }, () => fork(__filename, args, { execArgv: process.execArgv }));
  await Promise.all(children.map((c) => new Promise<void>((resolve) => c.once('message', () => resolve()))));
  const probeCount = readFileSync(join(o.dir, 'probes.f32')).length / 4 / DIMENSION;
  const perChild: number[][] = children.map(() => []);
  const slowest: number[] = [];
  const roundTrip: number[] = [];
  const load = loadavg()[0];
  const endAt = performance.now() + o.seconds * 1000;
  for (let q = 0; performance.now() < endAt; q = (q + 1) % probeCount) {
    const t = performance.now();
    const answers = await Promise.all(children.map((c) => new Promise<number>((resolve) => c.once('message', (m: { ms: number }) => resolve(m.ms)))) .map((p, i) => (children[i].send({ q }), p)));
    roundTrip.push(performance.now() - t);
    answers.forEach((ms, i) => perChild[i].push(ms));
    slowest.push(Math.max(...answers));
  }
  for (const c of children) c.send('stop');
  console.log(JSON.stringify({ mode: o.mode, children: o.children, ef: o.ef, garbageKb: o.garbageKb, load1mStartEnd: [load, loadavg()[0]], slowestSearchMs: summary(slowest), roundTripMs: summary(roundTrip), perChildSearchMs: perChild.map(summary) }, null, 1));
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  ensureBuilt(o);
  if (o.mode === 'build') return;
  if (o.mode.startsWith('pair-')) return runPair(o);
  const { searchOne, probeCount, identities, rssStart, rssIndex, rssLoaded, heapLoaded } = loadSearcher(o, o.mode === 'raw' || o.mode === 'child-raw' ? 'raw' : 'index');
  if (o.mode.startsWith('child-')) return serveChild(o, searchOne);
  // What one full mark-compact of this heap costs on the main thread (node --expose-gc): it grows with the heap objects the collection holds.
  const fullGcMs: number[] = [];
  for (let i = 0; global.gc && i < 5; i++) {
    const t = performance.now();
    global.gc();
    fullGcMs.push(Math.round((performance.now() - t) * 10) / 10);
  }
  const gcs: GcEvent[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KIND[((e as unknown as { detail?: { kind?: number } }).detail)?.kind ?? -1] ?? 'other';
      gcs.push({ start: e.startTime, end: e.startTime + e.duration, kind });
    }
  });
  observer.observe({ entryTypes: ['gc'] });

  // Warm-up: one pass over a few hundred probes (page faults of the index, JIT).
  for (let q = 0; q < Math.min(300, probeCount); q++) searchOne(q);

  const starts: number[] = [];
  const ends: number[] = [];
  /** When the event loop came back after each search: a request arriving meanwhile waits as long (a GC between two searches is a client's wait too). */
  const turnEnds: number[] = [];
  const endAt = performance.now() + o.seconds * 1000;
  let sink = 0;
  const load = loadavg()[0];
  const cpu0 = process.cpuUsage();
  for (let q = 0; performance.now() < endAt; q = (q + 1) % probeCount) {
    const t = performance.now();
    searchOne(q);
    if (o.garbageKb > 0) {
      // A request's short-lived buffers and objects, as decoding and encoding make them.
      const parts: unknown[] = [];
      for (let b = 0; b < o.garbageKb; b++) parts.push({ b, bytes: new Uint8Array(768), s: `k${b}` });
      sink += parts.length;
    }
    const e = performance.now();
    starts.push(t);
    ends.push(e);
    await new Promise<void>((resolve) => setImmediate(resolve)); // a server's turn of the event loop
    turnEnds.push(performance.now());
  }
  const cpu = process.cpuUsage(cpu0);
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();

  const latencies = starts.map((t, i) => turnEnds[i] - t);
  const searchOnly = starts.map((t, i) => ends[i] - t);
  const overlapping = (i: number) => gcs.some((g) => g.start < turnEnds[i] && g.end > starts[i]);
  const withGc: number[] = [];
  const withoutGc: number[] = [];
  latencies.forEach((l, i) => (overlapping(i) ? withGc : withoutGc).push(l));
  const gcByKind: Record<string, number[]> = {};
  for (const g of gcs) (gcByKind[g.kind] ??= []).push(g.end - g.start);
  const slowest = latencies
    .map((l, i) => ({ l, i }))
    .sort((a, b) => b.l - a.l)
    .slice(0, 10)
    .map(({ l, i }) => ({ ms: Math.round(l * 100) / 100, gc: gcs.filter((g) => g.start < turnEnds[i] && g.end > starts[i]).map((g) => `${g.kind} ${(g.end - g.start).toFixed(1)}`) }));
  const mem = process.memoryUsage();
  console.log(
    JSON.stringify(
      {
        mode: o.mode,
        identities,
        ef: o.ef,
        garbageKb: o.garbageKb,
        load1mStartEnd: [load, loadavg()[0]],
        cpuMsPerQuery: Math.round(((cpu.user + cpu.system) / 1000 / latencies.length) * 1000) / 1000,
        forcedFullGcMs: fullGcMs,
        searchMs: summary(searchOnly),
        searchAndTurnMs: summary(latencies),
        queriesOverlappingGc: summary(withGc),
        queriesWithoutGc: summary(withoutGc),
        gcPausesMs: Object.fromEntries(Object.entries(gcByKind).map(([k, v]) => [k, summary(v)])),
        slowest,
        memory: {
          rssIndexMB: Math.round((rssIndex - rssStart) / 1e6),
          rssLoadedMB: Math.round(rssLoaded / 1e6),
          heapUsedLoadedMB: Math.round(heapLoaded / 1e6),
          rssBytesPerIdentityOverIndex: Math.round((rssLoaded - rssIndex) / identities),
          heapUsedEndMB: Math.round(mem.heapUsed / 1e6),
        },
        sink,
      },
      null,
      1,
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
