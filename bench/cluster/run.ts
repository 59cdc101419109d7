/**
 * `npm run bench:cluster -- [options]` (see options.ts / --help).
 *
 * On the same synthetic face-like vectors in one run: raw hnswlib-node in this process, then
 * faceshard through its HTTP gateway (embedded single process, and clusters of N shard
 * processes over NATS). For each: insert rate, recall@k against exact brute force over an ef
 * ladder, and at the smallest ef reaching the target recall: QPS, p50/p99 latency, rank-1.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { embeddingStatsPath } from '../data/embedding-stats';
import { collapseToIdentities, rank1Rate, type TopK } from '../data/exact-search';
import { cachedTopK, exactCacheKey } from '../data/exact-cache';
import { exactTopKNative } from '../data/exact-search-native';
import type { FaceDataset } from '../data/face-embedding-model';
import { makeBenchDataset, type BenchDatasetOptions } from './bench-dataset';
import { batchingVariants, startCluster, startEmbedded, repoRoot, type Deployment } from './deployments';
import { FaceshardClient } from './faceshard-client';
import { insertGallery, searchLadder } from './http-bench';
import { describeTarget, type EfTarget } from './ef-choice';
import { DEFAULT_OPTIONS, parseBenchOptions, USAGE, UsageError, type BenchOptions } from './options';
import { indexFileSize, newestSnapshotIndexFiles, residentBytes } from './memory';
import { waitUntilIdle } from './process-idle';
import { DEFAULT_IDLE_SNAPSHOT_RULE } from '@faceshard/index';
import { runObservabilityCost } from './observability-cost';
import { exitCleanlyOnSignal, killAllGroupsNow } from './process-group';
import { allowedCores, pinProcess, planCpuPlacement } from './cpu-placement';
import { startRawAlongside, type RawAlongside } from './raw-alongside';
import type { RawBuildReport } from './raw-hnsw-process';
import { runRawHnswBench } from './raw-hnsw-bench';
import { ladderTable, memoryTable, summaryTable, type ConfigResult, type MemoryFigures } from './report';

const COLLECTION = 'bench_faces';
const log = (line: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

let current: Deployment | null = null;
/** The observability-cost comparison runs several deployments at once. */
const costDeployments: Deployment[] = [];

async function main(): Promise<void> {
  let opts: BenchOptions;
  try {
    const parsed = parseBenchOptions(process.argv.slice(2));
    if (parsed === 'help') {
      console.log(USAGE);
      return;
    }
    opts = parsed;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  installSignalHandlers();
  const startedAt = new Date();
  const loadBefore = loadavg();

  const datasetOptions: BenchDatasetOptions = {
    identities: opts.identities,
    facesPerIdentity: opts.facesPerIdentity,
    probes: opts.probes,
    unenrolledFraction: opts.unenrolledFraction,
    seed: opts.seed,
    centre: opts.centre,
  };
  // Big runs: the raw baseline makes its own copy of the vectors and builds while the cluster is filled.
  const rawAlongside: RawAlongside | null = opts.raw && opts.rawAlongside ? startRawAlongside(datasetOptions, opts.m, opts.efConstruction, log) : null;
  if (rawAlongside) log('raw baseline: building in a child process alongside the cluster (searched once no cluster is inserting)');

  log(`generating ${opts.identities} identities x ${opts.facesPerIdentity} face(s) + ${opts.probes} probes (seed ${opts.seed}${opts.centre ? ', gallery mean subtracted' : ''}) from ${embeddingStatsPath()}`);
  const t0 = Date.now();
  const data = makeBenchDataset(datasetOptions);
  const generateSeconds = (Date.now() - t0) / 1000;
  if (opts.observabilityCost) return observabilityCost(opts, data, startedAt, loadBefore);

  log(`exact brute force: ${opts.probes} probes x ${data.gallery.count} faces${opts.cacheDir ? ` (cached in ${opts.cacheDir})` : ''}`);
  const t1 = process.hrtime.bigint();
  let lastLog = Date.now();
  const computeExact = (): TopK =>
    exactTopKNative(data.gallery, data.probes, opts.k * opts.facesPerIdentity, (done) => {
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`  ${done}/${opts.probes} probes`);
      }
    });
  const cacheKey = exactCacheKey({ ...datasetOptions, k: opts.k * opts.facesPerIdentity, generator: 'face-embedding-model v1' }, readFileSync(embeddingStatsPath()));
  const exact = opts.cacheDir ? cachedTopK(opts.cacheDir, cacheKey, computeExact) : { top: computeExact(), fromCache: false };
  const exactRows = exact.top;
  const exactSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
  if (exact.fromCache) log(`exact: read from the cache (key ${cacheKey})`);
  // Ground truth per identity (search answers per person); computed once, shared by every configuration.
  const truth: TopK = collapseToIdentities(exactRows, data.gallery.identity, opts.k);
  const exactRank1 = rank1Rate(truth.indices, opts.k, data.probes.identity);
  // A cached answer took no search time: its seconds would say nothing about exact search's speed.
  const exactSpeed = exact.fromCache ? 'from the cache' : `${exactSeconds.toFixed(1)} s (${Math.round(opts.probes / exactSeconds)} QPS single thread)`;
  log(`exact: ${exactSpeed}, rank-1 ${exactRank1.toFixed(3)}`);
  // The operating point: the smallest ef reaching a recall@k, or (big runs) exact search's rank-1 minus a gap.
  const target: EfTarget = opts.targetRank1Gap !== null ? { rank1: exactRank1 - opts.targetRank1Gap } : opts.targetRecall;
  log(`operating point: the smallest ef reaching ${describeTarget(target, opts.k)}`);

  // --cpu-placement: the cores this run started with; each configuration narrows them (cpu-placement.ts).
  const cores = opts.cpuPlacement ? allowedCores() : [];
  const placementFor = opts.cpuPlacement ? (shards: number) => planCpuPlacement(cores, shards) : null;
  const rawCore = placementFor ? placementFor(1).shardCores[0]! : null;
  const rawPlacementNote = rawCore ? [`--cpu-placement: searched pinned to CPU ${rawCore.join(',')}, the core of a 1-shard cluster's shard`] : [];
  if (placementFor) log(`cpu placement over CPUs ${cores.join(',')}: 1 shard: ${placementFor(1).description}; raw baseline on CPU ${rawCore!.join(',')}`);

  const results: ConfigResult[] = [];
  // The raw baseline built alongside is searched once, when no cluster is inserting: before a
  // cluster's searches if its build is done by then, else after every cluster, waiting for the
  // build at most --raw-wait seconds (then it is stopped and its memory reported for what it holds).
  let rawSearched = rawAlongside === null;
  let rawReport: RawBuildReport | null = null;
  rawAlongside?.built.then((report) => (rawReport = report)).catch(() => undefined);
  const searchRawAlongside = async (waitForBuild: boolean): Promise<void> => {
    if (rawSearched || !rawAlongside) return;
    if (!rawReport && !waitForBuild) {
      log('raw baseline: still building; paused while the cluster is searched first');
      rawAlongside.pause();
      return;
    }
    rawSearched = true;
    const loadAtStart = loadavg()[0];
    try {
      if (!rawReport) {
        log(`raw baseline: waiting at most ${opts.rawWaitSeconds} s for its build to finish`);
        const timer = setTimeout(() => {
          log('raw baseline: out of time, stopping its build');
          rawAlongside.stop();
        }, opts.rawWaitSeconds * 1000);
        rawReport = await rawAlongside.built.finally(() => clearTimeout(timer));
      }
      const report: RawBuildReport = rawReport;
      if (!report.complete) {
        rawAlongside.kill();
        const seconds = report.buildSeconds;
        results.unshift({
          ...failedResult('raw hnswlib-node, in-process', 'raw-hnswlib', 1, `build stopped after ${Math.round(seconds)} s (--raw-wait) at ${report.identitiesInserted} of ${opts.identities} identities`, loadAtStart),
          insert: { identities: report.identitiesInserted, faces: report.identitiesInserted * opts.facesPerIdentity, seconds, identitiesPerSecond: report.identitiesInserted / seconds },
          memory: report.memory,
        });
        return;
      }
      if (rawCore) pinProcess(rawCore, rawAlongside.pid);
      const raw = await rawAlongside.search(truth, { k: opts.k, efLadder: opts.efLadder, target, minSeconds: opts.minSeconds });
      raw.notes.push('built in a child process while the cluster was being filled: its build rate is that of a shared machine', ...rawPlacementNote);
      results.unshift({ ...raw, loadAverage1m: { start: loadAtStart, end: loadavg()[0] } });
    } catch (err) {
      log(`raw baseline FAILED: ${String((err as Error)?.stack ?? err)}`);
      rawAlongside.kill();
      results.unshift(failedResult('raw hnswlib-node, in-process', 'raw-hnswlib', 1, err, loadAtStart));
    }
  };
  if (opts.raw && !rawAlongside) {
    const loadAtStart = loadavg()[0];
    if (rawCore) pinProcess(rawCore);
    const raw = await runRawHnswBench({
        data,
        truth,
        k: opts.k,
        m: opts.m,
        efConstruction: opts.efConstruction,
        efLadder: opts.efLadder,
        target,
        minSeconds: opts.minSeconds,
        log,
      });
    if (rawCore) pinProcess(cores);
    raw.notes.push(...rawPlacementNote);
    results.push({ ...raw, loadAverage1m: { start: loadAtStart, end: loadavg()[0] } });
  }

  const gatewayVariants = batchingVariants(opts.searchBatching, opts.batchWindowUs, opts.batchMax);
  const deploymentParams = { m: opts.m, efConstruction: opts.efConstruction, natsUrl: opts.natsUrl, port: opts.basePort, distDir: opts.distDir, nodeArgs: opts.nodeArgs, gatewayVariants, placement: placementFor, log };
  // The embedded process is not placed: it and this client run on every core of the run.
  const unpinned = () => {
    if (placementFor) pinProcess(cores);
  };
  const plans: { label: string; shards: number; start: () => Promise<Deployment> }[] = [
    ...(opts.embedded ? [{ label: 'embedded, 1 in-process shard', shards: 1, start: () => (unpinned(), startEmbedded(deploymentParams)) }] : []),
    ...opts.shards.map((n) => ({ label: `cluster, ${n} shard${n > 1 ? 's' : ''} (NATS)`, shards: n, start: () => startCluster(n, deploymentParams) })),
  ];
  for (const plan of plans) {
    log(`${plan.label}: starting`);
    const loadAtStart = loadavg()[0];
    try {
      current = await plan.start();
      const aroundSearches = { before: () => searchRawAlongside(false), after: () => rawAlongside?.resume() };
      results.push(...(await benchDeployment(current, opts, data, truth, target, aroundSearches, loadAtStart)));
    } catch (err) {
      log(`${plan.label}: FAILED: ${String((err as Error)?.stack ?? err)}`);
      if (current) log(`${plan.label}: what its processes printed last:\n${current.recentOutput()}`);
      results.push(failedResult(plan.label, plan.label.startsWith('embedded') ? 'embedded' : 'cluster', plan.shards, err, loadAtStart));
    } finally {
      if (current) await current.stop();
      current = null;
    }
  }

  await searchRawAlongside(true);

  const finishedAt = new Date();
  const report = {
    benchmark: 'faceshard cluster vs raw hnswlib-node (bench/cluster/run.ts)',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    command: `npm run bench:cluster -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      totalMemoryMB: Math.round(totalmem() / 2 ** 20),
      freeMemoryMBAtEnd: Math.round(freemem() / 2 ** 20),
      node: process.version,
      hnswlibNode: packageVersion('hnswlib-node'),
      loadAverage1m5m15mBefore: loadBefore,
      loadAverage1m5m15mAfter: loadavg(),
      note:
        'The benchmark client, the gateway and every shard share the same machine and its cores (and here other work ' +
        'ran at the same time: see the load averages). Cluster figures include the client cost (JSON, base64, HTTP) and ' +
        'are lower than what the servers alone could do; the raw baseline is one sequential client in-process.',
    },
    parameters: { ...opts, dimension: data.dimension, metric: 'ip (unit vectors: = cosine)' },
    data: {
      model: 'shared/design/dlib-embedding-stats.json (Gaussian model of dlib LFW embeddings; see shared/design/bench-data.md)',
      seed: opts.seed,
      identities: opts.identities,
      galleryFaces: data.gallery.count,
      probes: opts.probes,
      unenrolledProbes: data.unenrolledProbes,
      generateSeconds,
    },
    exact: { seconds: exactSeconds, qpsSingleThread: exact.fromCache ? null : opts.probes / exactSeconds, fromCache: exact.fromCache, cacheKey, rank1: exactRank1 },
    results,
  };

  const table = summaryTable(results, exactRank1, opts.k);
  console.log(`\nfaceshard cluster benchmark: ${opts.identities} identities, ${opts.probes} probes, seed ${opts.seed}, M=${opts.m} efC=${opts.efConstruction}, operating point: the smallest ef reaching ${describeTarget(target, opts.k)}`);
  console.log(`exact brute force: rank-1 ${exactRank1.toFixed(3)}, ${exact.fromCache ? 'top-k read from the cache' : `${Math.round(opts.probes / exactSeconds)} QPS single thread`}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${cpus().length} CPUs shared by client and servers`);
  console.log(`\n${table}`);
  if (results.some((r) => r.chosen && !r.chosen.reachedTarget)) console.log(`* target ${typeof target === 'number' ? 'recall' : 'rank-1'} not reached on the ladder: the best ef is shown`);
  console.log(`raw: one sequential client in-process; faceshard rows: HTTP with "clients" requests in flight.`);
  if (placementFor) console.log(`--cpu-placement: raw baseline on CPU ${rawCore!.join(',')}; ${opts.shards.map((n) => `${n} shard(s): ${placementFor(n).description}`).join('; ')}; embedded not pinned`);
  if (results.some((r) => r.memory)) console.log(`\nmemory per identity:\n${memoryTable(results)}`);
  console.log(`\nef ladder (one round over the probes each; faceshard rows at the same concurrency${opts.fullLadder ? '' : ', stopped at the first ef reaching the target'}):\n${ladderTable(results, opts.k)}`);

  const out = resolve(process.cwd(), opts.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, jsonReplacer, 2)}\n`);
  console.log(`\nwrote ${out}`);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

/** --observability-cost: metrics off / on / on + tracing at 100%, side by side; its own report. */
async function observabilityCost(opts: BenchOptions, data: FaceDataset, startedAt: Date, loadBefore: number[]): Promise<void> {
  const shards = opts.shards[0] ?? 1;
  const ef = opts.efLadder[0]!;
  try {
    const result = await runObservabilityCost({
      data,
      shards,
      ef,
      k: opts.k,
      concurrency: opts.concurrency,
      rounds: opts.observabilityRounds,
      minSeconds: opts.minSeconds,
      batchSize: Math.max(1, Math.min(opts.batchSize, Math.floor(1000 / opts.facesPerIdentity))),
      insertInFlight: opts.insertInFlight,
      deployment: { m: opts.m, efConstruction: opts.efConstruction, natsUrl: opts.natsUrl, port: opts.basePort, distDir: opts.distDir, nodeArgs: opts.nodeArgs, log },
      log,
      started: costDeployments,
    });
    const report = {
      benchmark: 'observability cost on the search path (bench/cluster/observability-cost.ts)',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: `npm run bench:cluster -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: { cpus: cpus().length, node: process.version, loadAverage1m5m15mBefore: loadBefore, loadAverage1m5m15mAfter: loadavg() },
      parameters: { identities: opts.identities, probes: opts.probes, shards, ef, k: opts.k, concurrency: opts.concurrency, rounds: opts.observabilityRounds, minSeconds: opts.minSeconds, seed: opts.seed },
      ...result,
    };
    console.log(`\nobservability cost: ${opts.identities} identities, ${shards} shard(s) per cluster, ef=${ef}, k=${opts.k}, ${opts.concurrency} requests in flight, ${opts.observabilityRounds} rounds of >= ${opts.minSeconds} s per variant taking turns`);
    console.log(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${cpus().length} CPUs shared by client and servers\n`);
    console.log(result.table);
    console.log(`\ntraced variant exported ${result.exported.requests} OTLP requests, ${(result.exported.bytes / 2 ** 20).toFixed(1)} MiB, during the timed passes`);
    const out = resolve(process.cwd(), opts.out === DEFAULT_OPTIONS.out ? 'bench/results/observability-cost.json' : opts.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, jsonReplacer, 2)}\n`);
    console.log(`wrote ${out}`);
  } finally {
    for (const deployment of costDeployments.splice(0)) await deployment.stop();
  }
}

/**
 * Inserts the gallery once, then times searches through each of the deployment's gateways in
 * turn: one result per gateway (e.g. batched fan-out off and on over the very same shards).
 */
async function benchDeployment(
  deployment: Deployment,
  opts: BenchOptions,
  data: FaceDataset,
  truth: TopK,
  target: EfTarget,
  /** Before the searches: search the raw baseline if it is built, else pause its build; after: let it go on. */
  aroundSearches: { before: () => Promise<void>; after: () => void },
  loadAtStart: number,
): Promise<ConfigResult[]> {
  const client = new FaceshardClient(deployment.url, Math.max(opts.concurrency, opts.insertInFlight));
  const rssAtReady = deployment.shardPids.map(residentBytes);
  try {
    await client.createCollection(COLLECTION, data.dimension, 'ip');
    // Batches of at most 1000 faces keep each request well under the gateway's body limit.
    const batchSize = Math.max(1, Math.min(opts.batchSize, Math.floor(1000 / opts.facesPerIdentity)));
    const params = {
      client,
      collection: COLLECTION,
      data,
      truth,
      k: opts.k,
      efLadder: opts.efLadder,
      fullLadder: opts.fullLadder,
      target,
      concurrency: opts.concurrency,
      oneClient: opts.oneClient,
      oneClientLadder: opts.oneClientLadder,
      clientBody: opts.clientBody,
      batchSize,
      insertInFlight: opts.insertInFlight,
      minSeconds: opts.minSeconds,
      log,
    };
    log(`${deployment.name}: inserting at ${deployment.url} (${batchSize} per batch, ${opts.insertInFlight} in flight)`);
    const insert = await insertGallery(params);
    const fillEndedAt = performance.now();
    const rate = opts.identities / insert.seconds;
    log(`${deployment.name}: inserted in ${insert.seconds.toFixed(1)} s (${Math.round(rate)} identities/s)`);
    const memory = deploymentMemory(deployment, rssAtReady, opts.identities, opts.facesPerIdentity);
    log(`${deployment.name}: ${Math.round(memory.rssBytesPerIdentity)} B of shard RSS and ${Math.round(memory.indexBytesPerIdentity)} B of index per identity`);
    await aroundSearches.before();
    // What the fill left behind runs before anything is timed: the last snapshot, the graph upkeep
    // pass after the writes, and the idle snapshot a shard takes once writes have paused for
    // DEFAULT_IDLE_SNAPSHOT_RULE.afterMs (30 s) with the check that follows it. So the wait for
    // idle shards starts only after that pause (--settle 0 skips both).
    const idleSnapshotDueMs = DEFAULT_IDLE_SNAPSHOT_RULE.afterMs + 1000;
    const sinceFillMs = performance.now() - fillEndedAt;
    if (opts.settleSeconds > 0 && sinceFillMs < idleSnapshotDueMs) await new Promise((resolve) => setTimeout(resolve, idleSnapshotDueMs - sinceFillMs));
    const settled = await waitUntilIdle(deployment.shardPids, { idleShare: 0.05, windowSeconds: 2, maxSeconds: opts.settleSeconds });
    log(`${deployment.name}: shards ${settled.idle ? 'idle' : `still busy (${Math.round(settled.lastShare * 100)}% of a core)`} after ${settled.seconds.toFixed(0)} s`);
    const results: ConfigResult[] = [];
    for (const [i, gateway] of deployment.gateways.entries()) {
      const name = deployment.gateways.length > 1 ? `${deployment.name}, ${gateway.label}` : deployment.name;
      const loadAt = i === 0 ? loadAtStart : loadavg()[0];
      const searchClient = i === 0 ? client : new FaceshardClient(gateway.url, opts.concurrency);
      try {
        log(`${name}: ef ladder at concurrency ${opts.concurrency}`);
        // Warm-up (JIT, sockets) before anything is timed.
        for (let q = 0; q < Math.min(200, data.probes.count); q++) await searchClient.search(COLLECTION, data.probes.vectors.subarray(q * data.dimension, (q + 1) * data.dimension), opts.k, opts.efLadder[0]);
        // CPU per request of this gateway and of the shards (embedded: one process holds both).
        const serverProcesses =
          deployment.kind === 'embedded'
            ? [{ label: 'embedded process', pid: gateway.pid }]
            : [{ label: 'gateway', pid: gateway.pid }, ...deployment.shardPids.map((pid, s) => ({ label: `shard ${s}`, pid }))];
        const known = serverProcesses.filter((x): x is { label: string; pid: number } => x.pid !== undefined);
        const { ladder, chosen, notes } = await searchLadder({ ...params, client: searchClient, serverProcesses: known });
        log(`${name}: ef=${chosen.ef} ${Math.round(chosen.qps)} QPS p50 ${chosen.latency.p50Ms.toFixed(2)} ms p99 ${chosen.latency.p99Ms.toFixed(2)} ms`);
        results.push({
          name,
          kind: deployment.kind,
          shards: deployment.shards,
          insert: { identities: opts.identities, faces: insert.faces, seconds: insert.seconds, identitiesPerSecond: rate },
          ladder,
          chosen,
          memory,
          loadAverage1m: { start: loadAt, end: loadavg()[0] },
          notes: [
            `insert = POST /identities/batch, ${batchSize} identities per request, ${opts.insertInFlight} in flight, timed until every batch was acknowledged`,
            ...(deployment.gateways.length > 1 ? [`searched through the gateway "${gateway.label}" (${deployment.gateways.length} gateways on the same shards, timed one at a time; insert and memory figures shared)`] : []),
            ...(deployment.clusterName ? [`FACESHARD_CLUSTER=${deployment.clusterName}`] : []),
            ...(deployment.placement ? [`--cpu-placement: ${deployment.placement}`] : []),
            ...Object.entries(insert.retried).map(([code, r]) => `insert: ${r.identities} identities re-sent after ${code} (first: ${r.firstMessage})`),
            ...notes,
          ],
        });
      } finally {
        if (searchClient !== client) searchClient.close();
      }
    }
    await client.deleteCollection(COLLECTION).catch((err) => log(`${deployment.name}: could not delete the collection: ${err}`));
    return results;
  } finally {
    aroundSearches.after();
    client.close();
  }
}

/** The row of a configuration that failed: the others still run, the report says why. */
function failedResult(name: string, kind: ConfigResult['kind'], shards: number, err: unknown, loadAtStart: number): ConfigResult {
  return {
    name,
    kind,
    shards,
    insert: { identities: 0, faces: 0, seconds: NaN, identitiesPerSecond: NaN },
    ladder: [],
    chosen: null,
    error: String((err as Error)?.message ?? err).split('\n')[0],
    loadAverage1m: { start: loadAtStart, end: loadavg()[0] },
    notes: [],
  };
}

/**
 * Shard memory per identity: growth of every shard process's resident set from ready (empty) to
 * filled, and the bytes per face of the shards' newest snapshot index files times faces per identity.
 */
function deploymentMemory(deployment: Deployment, rssAtReady: number[], identities: number, facesPerIdentity: number): MemoryFigures {
  const grown = deployment.shardPids.reduce((sum, pid, i) => sum + residentBytes(pid) - rssAtReady[i], 0);
  let bytes = 0;
  let elements = 0;
  for (const file of deployment.shardDataDirs.flatMap(newestSnapshotIndexFiles)) {
    const size = indexFileSize(file);
    bytes += size.bytes;
    elements += size.elements;
  }
  return {
    rssBytesPerIdentity: grown / identities,
    rssNote:
      `growth of the ${deployment.kind === 'embedded' ? 'embedded process' : `${deployment.shardPids.length} shard processes`}' resident sets from ready to filled (index, identity metadata, buffers)` +
      (elements > 0 ? '' : '; no index bytes: no shard had written a snapshot yet (a shard snapshots every 50k writes)'),
    indexBytesPerIdentity: elements > 0 ? (bytes / elements) * facesPerIdentity : NaN,
  };
}

function packageVersion(name: string): string | undefined {
  try {
    return JSON.parse(readFileSync(join(repoRoot(), 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** NaN and Infinity are not JSON: write them as null. Typed arrays as plain arrays. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

/** Ctrl-C or a kill: stop the child processes and remove temp folders before leaving. */
function installSignalHandlers(): void {
  const stopAll = () => Promise.all([...(current ? [current] : []), ...costDeployments].map((d) => d.stop()));
  exitCleanlyOnSignal(stopAll, 8_000, log, 'stopping child processes');
}

main().catch((err) => {
  log(`benchmark failed: ${String(err?.stack ?? err)}`);
  killAllGroupsNow();
  process.exit(1);
});
