/**
 * The benchmark's I/O against the real thing: compiled apps (dist/, or FACESHARD_DIST_DIR),
 * a real NATS server (NATS_URL or nats://127.0.0.1:4222), real processes and folders.
 * Small data, so that HNSW at a large ef must find exactly what brute force finds.
 */
import { existsSync } from 'node:fs';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataBucketName } from '@faceshard/cluster';
import { appEntryPoints, startCluster, startEmbedded, type Deployment } from '../../bench/cluster/deployments';
import { FaceshardClient } from '../../bench/cluster/faceshard-client';
import { insertGallery, searchLadder, type HttpBenchParams } from '../../bench/cluster/http-bench';
import { embeddingStatsPath, loadEmbeddingStats } from '../../bench/data/embedding-stats';
import { collapseToIdentities, exactTopK, rank1Rate } from '../../bench/data/exact-search';
import { generateFaceDataset } from '../../bench/data/face-embedding-model';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const distDir = process.env.FACESHARD_DIST_DIR ?? null;

function missing(): string | null {
  try {
    appEntryPoints(distDir);
  } catch (err) {
    return (err as Error).message;
  }
  if (!existsSync(embeddingStatsPath())) return `${embeddingStatsPath()} is absent (set FACESHARD_SHARED_DIR)`;
  return null;
}

const why = missing();

async function natsReachable(): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2000 });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(why !== null)(
  `benchmark against running faceshard processes${why ? ` SKIPPED: ${why}` : ''}`,
  () => {
  const data = why ? (undefined as never) : generateFaceDataset(loadEmbeddingStats(), { identities: 400, probes: 60, seed: 3 });
  const truth = why ? (undefined as never) : collapseToIdentities(exactTopK(data.gallery, data.probes, 10), data.gallery.identity, 10);
  const logs: string[] = [];
  const params = (client: FaceshardClient): HttpBenchParams => ({
    client,
    collection: 'bench_test',
    data,
    truth,
    k: 10,
    efLadder: [16, 200],
    fullLadder: false,
    target: 0.999,
    concurrency: 4,
    batchSize: 150, // three batches, the last one short
    insertInFlight: 2,
    minSeconds: 0,
    log: (line) => logs.push(line),
  });
  const deploymentParams = { m: 16, efConstruction: 200, natsUrl: NATS_URL, port: 0, distDir, log: (line: string) => logs.push(line) };
  let deployments: Deployment[] = [];

  afterAll(async () => {
    for (const d of deployments) await d.stop();
  });

  async function exercise(deployment: Deployment): Promise<void> {
    const client = new FaceshardClient(deployment.url, 4);
    try {
      await client.createCollection('bench_test', data.dimension, 'ip');
      const p = params(client);
      const insert = await insertGallery(p);
      expect(insert.faces).toBe(400);
      const { ladder, chosen } = await searchLadder(p);
      // At ef 200 over 400 vectors HNSW is exhaustive: the answers are brute force's.
      const last = ladder[ladder.length - 1];
      expect(last.ef).toBe(200);
      expect(last.recall).toBeGreaterThanOrEqual(0.999);
      expect(last.rank1).toBeCloseTo(rank1Rate(truth.indices, 10, data.probes.identity), 5);
      expect(chosen.ef).toBe(200);
      expect(chosen.reachedTarget).toBe(true);
      expect(chosen.latency.count).toBe(60);
      expect(chosen.qps).toBeGreaterThan(0);
      expect(chosen.clientCpuUs).toBeGreaterThan(0);
    } finally {
      client.close();
    }
  }

  describe('cluster over NATS', () => {
    // NATS is a required test service (.ci/run starts it): its absence is a failure, not a skip.
    beforeAll(async () => {
      if (!(await natsReachable())) throw new Error(`no NATS server at ${NATS_URL}: start it (see .ci/run)`);
    });

    it('starts 2 shards + gateway, scores recall against brute force, and leaves nothing behind', async () => {
      const deployment = await startCluster(2, deploymentParams);
      deployments.push(deployment);
      expect(deployment.pids).toHaveLength(3);
      expect(existsSync(deployment.dataRoot)).toBe(true);
      await exercise(deployment);

      await deployment.stop();
      deployments = deployments.filter((d) => d !== deployment);
      for (const pid of deployment.pids) expect(processAlive(pid)).toBe(false);
      expect(existsSync(deployment.dataRoot)).toBe(false);
      const nc = await connect({ servers: NATS_URL });
      try {
        const jsm = await nc.jetstreamManager();
        await expect(jsm.streams.info(`KV_${metadataBucketName(deployment.clusterName!)}`)).rejects.toThrow(/not found/i);
      } finally {
        await nc.close();
      }
    }, 120_000);
  });

  it('embedded single process: same answers, folder removed afterwards', async () => {
    const deployment = await startEmbedded(deploymentParams);
    deployments.push(deployment);
    await exercise(deployment);
    await deployment.stop();
    deployments = deployments.filter((d) => d !== deployment);
    for (const pid of deployment.pids) expect(processAlive(pid)).toBe(false);
    expect(existsSync(deployment.dataRoot)).toBe(false);
  }, 120_000);
});
