/**
 * `npm run bench:pgvector -- [options]` (see options.ts / --help).
 *
 * faceshard against PostgreSQL + pgvector on the same synthetic face-like vectors, in one run:
 * pgvector's HNSW (same M / efConstruction, inner product) built in a schema of its own, the
 * faceshard deployments bench:cluster starts (1-shard cluster over NATS, embedded process)
 * filled through HTTP, then the ef ladder walked on every system at every client count, the
 * systems taking turns at each (ef, clients) so that the machine's drifting load falls on all
 * alike. Reported: recall@k and rank-1 against exact search, QPS, p50/p99, and faceshard ÷
 * pgvector at equal recall.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { makeBenchDataset, type BenchDatasetOptions } from '../cluster/bench-dataset';
import { startCluster, startEmbedded, type Deployment, type DeploymentParams } from '../cluster/deployments';
import { FaceshardClient } from '../cluster/faceshard-client';
import { identityIndexOf, insertGallery } from '../cluster/http-bench';
import { exitCleanlyOnSignal, killAllGroupsNow } from '../cluster/process-group';
import { embeddingStatsPath } from '../data/embedding-stats';
import type { FaceDataset } from '../data/face-embedding-model';
import { groundTruth } from './ground-truth';
import { ladderPass, type LadderPass, type LadderSearcher } from './ladder';
import { parsePgvectorOptions, PGVECTOR_USAGE, PgvectorUsageError, type FaceshardMode, type PgvectorBenchOptions } from './options';
import { PgvectorStore, type IndexBuild } from './pgvector-store';
import { compareAtEqualRecall, comparisonTable, passTable } from './report';

const COLLECTION = 'bench_faces';
/** Issue 10's target: faceshard's whole HTTP path at least this many times pgvector's QPS at equal recall. */
const TARGET_FACTOR = 5;
const WARM_UP_PROBES = 200;
const log = (line: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** What must be undone on any exit: the deployments' processes and the benchmark's schema. */
const running: { deployments: Deployment[]; clients: FaceshardClient[]; store: PgvectorStore | null } = { deployments: [], clients: [], store: null };

async function main(): Promise<void> {
  let opts: PgvectorBenchOptions;
  try {
    const parsed = parsePgvectorOptions(process.argv.slice(2));
    if (parsed === 'help') return void console.log(PGVECTOR_USAGE);
    opts = parsed;
  } catch (err) {
    if (!(err instanceof PgvectorUsageError)) throw err;
    console.error(`${err.message}\n\n${PGVECTOR_USAGE}`);
    process.exitCode = 2;
    return;
  }
  installSignalHandlers();
  const startedAt = new Date();
  const loadBefore = loadavg();
  const maxClients = Math.max(...opts.clients);

  const datasetOptions: BenchDatasetOptions = { identities: opts.identities, facesPerIdentity: 1, probes: opts.probes, unenrolledFraction: opts.unenrolledFraction, seed: opts.seed, centre: false };
  log(`generating ${opts.identities} identities + ${opts.probes} probes (seed ${opts.seed}) from ${embeddingStatsPath()}`);
  const data = makeBenchDataset(datasetOptions);
  const exact = groundTruth(data, datasetOptions, opts.k, opts.cacheDir);
  log(`exact: ${exact.fromCache ? `read from the cache (key ${exact.cacheKey})` : `computed in ${exact.seconds.toFixed(1)} s`}, rank-1 ${exact.exactRank1.toFixed(3)}`);

  const schema = opts.pgSchema ?? `bench_pgvector_${process.pid}`;
  const facts: Record<string, unknown> = {};
  try {
    // pgvector: load the table, then one CREATE INDEX (its fastest way to an HNSW index).
    const store = await PgvectorStore.open(opts.pgUrl, schema);
    running.store = store;
    log(`pgvector ${store.extensionVersion} on PostgreSQL ${store.serverVersion}: loading ${opts.identities} rows into ${schema}.faces`);
    const loadSeconds = await store.load(data.gallery, data.dimension);
    log(`pgvector: loaded in ${loadSeconds.toFixed(1)} s; building HNSW m=${opts.m} ef_construction=${opts.efConstruction} (maintenance_work_mem ${opts.maintenanceWorkMem})`);
    // Building is not what is compared, and a run must fit in the bench lock's 10 minutes: the
    // pgvector index is built while the faceshard deployments are filled (their rates are then
    // those of a machine shared with each other, as the report says).
    const buildPgvector = async (): Promise<{ searcher: LadderSearcher; build: IndexBuild }> => {
      const loadAtBuild = loadavg()[0];
      const build = await store.buildIndex(opts.m, opts.efConstruction, opts.maintenanceWorkMem);
      const plan = await store.assertIndexScan(data.dimension, opts.k);
      log(`pgvector: index built in ${build.seconds.toFixed(1)} s (${Math.round(opts.identities / build.seconds)} vectors/s, ${Math.round(build.indexBytes / opts.identities)} B of index per vector), load ${loadAtBuild.toFixed(1)}-${loadavg()[0].toFixed(1)}`);
      await store.openSearchConnections(maxClients);
      facts.pgvector = { extension: store.extensionVersion, server: store.serverVersion, schema, loadSeconds, build: { ...build, vectorsPerSecond: opts.identities / build.seconds, indexBytesPerVector: build.indexBytes / opts.identities, load1mAtStart: loadAtBuild }, plan, connections: maxClients };
      return { searcher: pgvectorSearcher(store, data), build };
    };
    // faceshard: the deployments bench:cluster starts, filled through the HTTP API, one after the other.
    const deploymentParams: DeploymentParams = { m: opts.m, efConstruction: opts.efConstruction, natsUrl: opts.natsUrl, port: 0, distDir: opts.distDir, log };
    const fillFaceshard = async (): Promise<LadderSearcher[]> => {
      const filled: LadderSearcher[] = [];
      for (const mode of opts.faceshard) {
        const deployment = await startDeployment(mode, deploymentParams);
        running.deployments.push(deployment);
        const client = new FaceshardClient(deployment.url, Math.max(maxClients, 4));
        running.clients.push(client);
        await client.createCollection(COLLECTION, data.dimension, 'ip');
        log(`${deployment.name}: inserting at ${deployment.url}`);
        const loadAtInsert = loadavg()[0];
        const insert = await insertGallery({ client, collection: COLLECTION, data, batchSize: 1000, insertInFlight: 4, log });
        log(`${deployment.name}: inserted in ${insert.seconds.toFixed(1)} s (${Math.round(opts.identities / insert.seconds)} identities/s)`);
        facts[deployment.name] = { insertSeconds: insert.seconds, identitiesPerSecond: opts.identities / insert.seconds, retried: insert.retried, load1mAtStart: loadAtInsert, clusterName: deployment.clusterName };
        filled.push(faceshardSearcher(deployment.name, client, data));
      }
      return filled;
    };
    const [{ searcher: pgvector, build }, faceshards] = await Promise.all([buildPgvector(), fillFaceshard()]);
    const searchers = [pgvector, ...faceshards];
    for (const searcher of searchers) await warmUp(searcher, opts);

    // The ladder, systems taking turns at each (ef, clients).
    const passes: LadderPass[] = [];
    for (const ef of opts.efLadder) {
      for (const clients of opts.clients) {
        for (const searcher of searchers) {
          await searcher.useEf(ef);
          const pass = await ladderPass(searcher, data, exact.truth, opts.k, ef, clients, opts.minSeconds);
          passes.push(pass);
          log(`  ${searcher.name}: ef=${ef} clients=${clients} recall@${opts.k}=${pass.recall.toFixed(3)} rank-1=${pass.rank1.toFixed(3)} ${Math.round(pass.qps)} QPS p50 ${pass.latency.p50Ms.toFixed(2)} ms p99 ${pass.latency.p99Ms.toFixed(2)} ms load ${pass.load1m.start.toFixed(1)}`);
        }
      }
    }

    const comparisons = searchers.slice(1).flatMap((s) => compareAtEqualRecall(passes, s.name, pgvector.name, opts.recallTargets));
    const loadAfter = loadavg();
    console.log(`\nfaceshard vs pgvector: ${opts.identities} identities, ${opts.probes} probes, seed ${opts.seed}, M=${opts.m} efC=${opts.efConstruction}, k=${opts.k}`);
    console.log(`exact brute force rank-1 ${exact.exactRank1.toFixed(3)}; load average before ${fmtLoad(loadBefore)}, after ${fmtLoad(loadAfter)}, ${cpus().length} CPUs shared by clients and servers`);
    console.log(`pgvector ${store.extensionVersion} (PostgreSQL ${store.serverVersion}, shared_buffers ${build.settings.shared_buffers}): index built in ${build.seconds.toFixed(1)} s (${Math.round(opts.identities / build.seconds)} vectors/s, ${Math.round(build.indexBytes / opts.identities)} B/vector)`);
    console.log(`\nevery pass (one round over the probes${opts.minSeconds > 0 ? `, at least ${opts.minSeconds} s` : ''}; the systems took turns at each ef and client count):\n${passTable(passes, opts.k)}`);
    console.log(`\nfaceshard ÷ pgvector at equal recall (smallest ef reaching it on each side, and QPS interpolated to it; † = already above it at the smallest ef, a lower bound):\n${comparisonTable(comparisons, opts.k, TARGET_FACTOR)}`);

    const out = resolve(process.cwd(), opts.out);
    mkdirSync(dirname(out), { recursive: true });
    const report = {
      benchmark: 'faceshard vs PostgreSQL + pgvector (bench/pgvector/run.ts)',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: `npm run bench:pgvector -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, totalMemoryMB: Math.round(totalmem() / 2 ** 20), node: process.version, loadAverage1m5m15mBefore: loadBefore, loadAverage1m5m15mAfter: loadAfter },
      parameters: opts,
      exact: { fromCache: exact.fromCache, cacheKey: exact.cacheKey, rank1: exact.exactRank1 },
      systems: facts,
      passes,
      comparisons,
    };
    writeFileSync(out, `${JSON.stringify(report, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`);
    console.log(`\nwrote ${out}`);
  } finally {
    await cleanUp();
  }
}

function pgvectorSearcher(store: PgvectorStore, data: FaceDataset): LadderSearcher {
  const dim = data.dimension;
  return {
    name: 'pgvector',
    useEf: (ef) => store.setEfSearch(ef),
    search: async (q, _ef, k) => ({ identities: await store.search(data.probes.vectors.subarray(q * dim, (q + 1) * dim), k) }),
  };
}

function faceshardSearcher(name: string, client: FaceshardClient, data: FaceDataset): LadderSearcher {
  const dim = data.dimension;
  return {
    name,
    useEf: async () => undefined, // ef travels with each request
    search: async (q, ef, k) => {
      const reply = await client.search(COLLECTION, data.probes.vectors.subarray(q * dim, (q + 1) * dim), k, ef);
      return { identities: reply.hits.map((h) => identityIndexOf(h.identityId)), partial: reply.partial };
    },
  };
}

/** JIT, sockets, prepared statements, buffers: a few hundred searches before anything is timed. */
async function warmUp(searcher: LadderSearcher, opts: PgvectorBenchOptions): Promise<void> {
  const ef = opts.efLadder[0]!;
  await searcher.useEf(ef);
  for (let q = 0; q < Math.min(WARM_UP_PROBES, opts.probes); q++) await searcher.search(q, ef, opts.k);
}

function startDeployment(mode: FaceshardMode, params: DeploymentParams): Promise<Deployment> {
  log(`faceshard ${mode}: starting`);
  return mode === 'cluster' ? startCluster(1, params) : startEmbedded(params);
}

const fmtLoad = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');

/**
 * One clean-up, however many paths ask for it (a signal, and the failure it causes in main):
 * each waits for the same work, so that nobody exits while the schema is still being dropped.
 */
let cleaning: Promise<void> | null = null;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    const { store } = running;
    for (const client of running.clients) client.close();
    await Promise.allSettled([
      ...running.deployments.map((d) => d.stop()),
      store?.dropAndClose().then(
        () => log(`pgvector: dropped schema ${store.schema}`),
        (err) => log(`pgvector: could not drop schema ${store.schema}: ${err}`),
      ),
    ]);
  })();
  return cleaning;
}

/** Ctrl-C or a kill: stop the child processes and drop the schema before leaving. */
function installSignalHandlers(): void {
  exitCleanlyOnSignal(cleanUp, 10_000, log, 'stopping child processes, dropping the schema');
}

main().catch(async (err) => {
  log(`benchmark failed: ${String(err?.stack ?? err)}`);
  await cleanUp();
  killAllGroupsNow();
  process.exit(1);
});
