/**
 * `npm run bench:cluster -- --observability-cost`: the cost of metrics and tracing on the search
 * path, side by side in one run. One cluster per variant (same shards, same vectors, all running
 * at once), then timed search passes taking turns (variant A, B, C, A, B, C, ...) so that drift
 * in the machine's load falls on every variant alike.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import type { FaceDataset } from '../data/face-embedding-model';
import { startCluster, type Deployment, type DeploymentParams } from './deployments';
import { FaceshardClient } from './faceshard-client';
import { insertGallery } from './http-bench';
import { summariseLatencies } from './latency';
import { timedRounds } from './load';
import { costTable, costVariants, summariseCost, type CostPass } from './observability-cost-report';

export interface CostParams {
  data: FaceDataset;
  shards: number;
  ef: number;
  k: number;
  concurrency: number;
  rounds: number;
  minSeconds: number;
  batchSize: number;
  insertInFlight: number;
  deployment: Omit<DeploymentParams, 'env'>;
  log: (line: string) => void;
  /** Deployments started so far, for the caller's Ctrl-C handler. */
  started: Deployment[];
}

const COLLECTION = 'bench_cost';

export async function runObservabilityCost(p: CostParams) {
  const sink = await SpanSink.start();
  const variants = costVariants(sink.url);
  const clients: FaceshardClient[] = [];
  try {
    for (const variant of variants) {
      p.log(`observability cost: starting "${variant.name}" (${p.shards} shard(s))`);
      const deployment = await startCluster(p.shards, { ...p.deployment, env: variant.env });
      p.started.push(deployment);
      const client = new FaceshardClient(deployment.url, Math.max(p.concurrency, p.insertInFlight));
      clients.push(client);
      await client.createCollection(COLLECTION, p.data.dimension, 'ip');
      const insert = await insertGallery({ client, collection: COLLECTION, data: p.data, batchSize: p.batchSize, insertInFlight: p.insertInFlight, log: p.log });
      p.log(`  inserted ${p.data.options.identities} identities in ${insert.seconds.toFixed(1)} s`);
    }
    const dim = p.data.dimension;
    const probe = (q: number) => p.data.probes.vectors.subarray(q * dim, (q + 1) * dim);
    // Warm-up (JIT, sockets, the exporter's first batches) before anything is timed.
    for (const client of clients) for (let q = 0; q < Math.min(500, p.data.probes.count); q++) await client.search(COLLECTION, probe(q), p.k, p.ef);
    const spansBefore = { ...sink.received };
    const passes: CostPass[] = [];
    const loadStart = loadavg()[0];
    for (let round = 1; round <= p.rounds; round++) {
      for (const [i, variant] of variants.entries()) {
        let partial = 0;
        const run = await timedRounds(p.data.probes.count, p.concurrency, p.minSeconds, async (q) => {
          const reply = await clients[i]!.search(COLLECTION, probe(q), p.k, p.ef);
          if (reply.partial) partial++;
        });
        const latency = summariseLatencies(run.latenciesMs);
        passes.push({ variant: variant.name, round, qps: run.requests / run.seconds, p50Ms: latency.p50Ms, p99Ms: latency.p99Ms, partial });
        p.log(`  round ${round} "${variant.name}": ${Math.round(run.requests / run.seconds)} QPS, p50 ${latency.p50Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms${partial ? `, ${partial} partial` : ''}`);
      }
    }
    const summary = summariseCost(
      variants.map((v) => v.name),
      passes,
    );
    // Let the last batches of spans arrive, so the count says what 100% sampling exported.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const exported = { requests: sink.received.requests - spansBefore.requests, bytes: sink.received.bytes - spansBefore.bytes };
    return { variants, passes, summary, table: costTable(summary), exported, loadAverage1m: { start: loadStart, end: loadavg()[0] } };
  } finally {
    for (const client of clients) client.close();
    await sink.stop();
  }
}

/**
 * Where the traced variant's processes export (OTLP/HTTP): accepts and counts, parses nothing, so
 * that the benchmark client spends as little as possible of the shared CPUs on it.
 */
class SpanSink {
  readonly received = { requests: 0, bytes: 0 };
  url = '';
  private constructor(private readonly server: Server) {}

  static async start(): Promise<SpanSink> {
    const server = createServer();
    const sink = new SpanSink(server);
    server.on('request', (req, res) => {
      req.on('data', (chunk: Buffer) => (sink.received.bytes += chunk.length));
      req.on('end', () => {
        sink.received.requests++;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return sink;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
