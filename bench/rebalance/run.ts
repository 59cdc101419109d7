/**
 * npm run bench:rebalance [-- --count 100000 --dim 128 --searches 300]
 *
 * Issue 7's benchmark: a 2-shard cluster on the shared NATS holding `count` identities grows to 3
 * shards. Reports, from the same run: identities moved per second against the raw hnswlib insert
 * rate of this machine (the floor of a move that re-inserts), the moved fraction against the ideal
 * 1/3, and search p50/p99 during the move next to p50/p99 without one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { connect } from 'nats';
import { metadataBucketName } from '@faceshard/cluster';
import { FaceshardClient } from '../cluster/faceshard-client';
import { summariseLatencies } from '../cluster/latency';
import { ProcessGroup } from '../cluster/process-group';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function unitVectors(count: number, dim: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      out[r * dim + j] = g;
      norm += g * g;
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < dim; j++) out[r * dim + j] /= norm;
  }
  return out;
}

async function main(): Promise<void> {
  const count = arg('count', 100_000);
  const dim = arg('dim', 128);
  const searches = arg('searches', 300);
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  // Compiled: this file is dist/bench/rebalance/run.js, the apps are under dist/apps.
  const dist = resolve(__dirname, '../..');
  const log = (line: string) => console.error(`[bench:rebalance] ${line}`);
  const vectors = unitVectors(count, dim, 7);
  const row = (i: number) => vectors.subarray(i * dim, (i + 1) * dim);

  // Raw hnswlib insert rate on this machine, now (M=16, efConstruction=200: the shards' defaults).
  const rawCount = Math.min(count, 20_000);
  const raw = new HierarchicalNSW('ip', dim);
  raw.initIndex(rawCount, 16, 200, 100);
  const r0 = performance.now();
  for (let i = 0; i < rawCount; i++) raw.addPoint(Array.from(row(i)), i);
  const rawPerSecond = rawCount / ((performance.now() - r0) / 1000);
  log(`raw hnswlib: ${Math.round(rawPerSecond)} inserts/s (${rawCount} vectors)`);

  const cluster = `benchrb-${process.pid}-${Date.now().toString(36)}`;
  const dataRoot = mkdtempSync(join(tmpdir(), 'faceshard-bench-rebalance-'));
  const group = new ProcessGroup(log);
  const common = { ...process.env, NATS_URL: natsUrl, FACESHARD_CLUSTER: cluster, SHARD_DOWN_AFTER_MS: '15000' };
  const shardMain = join(dist, 'apps/shard/src/main.js');
  const startShard = (id: string) => group.start(id, shardMain, { ...common, FACESHARD_ROLE: 'shard', SHARD_ID: id, DATA_DIR: join(dataRoot, id) }).ready;
  let client: FaceshardClient | null = null;
  try {
    await Promise.all(['s0', 's1'].map(startShard));
    const ready = await group.start('gateway', join(dist, 'apps/gateway/src/main.js'), { ...common, FACESHARD_ROLE: 'gateway', HOST: '127.0.0.1', PORT: '0' }).ready;
    client = new FaceshardClient(String(ready.url), 8);
    await client.createCollection('bench', dim, 'ip');
    const i0 = performance.now();
    for (let start = 0; start < count; start += 1000) {
      const batch = Array.from({ length: Math.min(1000, count - start) }, (_, j) => ({ identityId: `p${start + j}`, faces: [{ faceId: 'f', vector: row(start + j) }] }));
      const reply = await client.upsertBatch('bench', batch);
      if (reply.failed?.length) throw new Error(`ingest failed: ${JSON.stringify(reply.failed[0])}`);
    }
    log(`ingested ${count} in ${((performance.now() - i0) / 1000).toFixed(1)} s`);

    const probe = (n: number) => row((n * 7919) % count);
    const timeSearches = async (until: () => boolean, max: number) => {
      const samples: number[] = [];
      for (let n = 0; samples.length < max && !until(); n++) {
        const t = performance.now();
        await client!.search('bench', probe(n), 10);
        samples.push(performance.now() - t);
      }
      return samples;
    };
    const idle = await timeSearches(() => false, searches);

    let done = false;
    let moveStarted = 0;
    let migrated = 0;
    const watcher = (async () => {
      for (;;) {
        const status = (await client!.cluster()) as any;
        if (status.move && moveStarted === 0) moveStarted = performance.now();
        if (status.move && status.move.stage !== 'migrate-identities' && migrated === 0) migrated = performance.now();
        if (!status.move && status.members.some((m: any) => m.shardId === 's2' && m.state === 'active')) return status;
        await new Promise((r) => setTimeout(r, 100));
      }
    })().finally(() => (done = true));
    const t0 = performance.now();
    await startShard('s2');
    const during = await timeSearches(() => done || migrated !== 0, 1_000_000);
    const status = await watcher;
    const finished = performance.now();
    const movedToS2 = status.members.find((m: any) => m.shardId === 's2').collections.find((c: any) => c.name === 'bench').identities;
    const migrateSeconds = ((migrated || finished) - (moveStarted || t0)) / 1000;
    const idleLatency = summariseLatencies(idle);
    const moveLatency = summariseLatencies(during);
    const report = {
      count,
      dim,
      rawInsertsPerSecond: Math.round(rawPerSecond),
      moved: movedToS2,
      movedFraction: movedToS2 / count,
      idealFraction: 1 / 3,
      migrateSeconds: Math.round(migrateSeconds * 10) / 10,
      movedPerSecond: Math.round(movedToS2 / migrateSeconds),
      movedPerSecondVsRaw: Math.round((movedToS2 / migrateSeconds / rawPerSecond) * 100) / 100,
      wholeMoveSeconds: Math.round(((finished - t0) / 1000) * 10) / 10,
      searchWithoutMove: { n: idle.length, p50: idleLatency.p50Ms, p99: idleLatency.p99Ms },
      searchDuringMove: { n: during.length, p50: moveLatency.p50Ms, p99: moveLatency.p99Ms },
      loadAverage1m: loadavg()[0],
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    client?.close();
    await group.stopAll();
    rmSync(dataRoot, { recursive: true, force: true });
    const nc = await connect({ servers: natsUrl });
    await (await nc.jetstreamManager()).streams.delete(`KV_${metadataBucketName(cluster)}`).catch(() => undefined);
    await nc.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
