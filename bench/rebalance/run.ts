/**
 * npm run bench:rebalance [-- --count 100000 --dim 128 --idle-seconds 20 --profile-seconds 0
 *                            --max-ids-per-sec N --max-time-share S --chunk-ids N --chunks-in-flight N]
 *
 * Issue 7's benchmark: a 2-shard cluster on the shared NATS holding `count` identities grows to 3
 * shards. Reports, from the same run: identities moved per second against the raw hnswlib insert
 * rate of this machine (the floor of a move that re-inserts), the moved fraction against the ideal
 * 1/3, and search p50/p99 during the move next to p50/p99 without one.
 *
 * Like for like: the raw rate is measured on as many vectors as the receiver gets (count / 3), once
 * before the cluster starts and once after it stopped (the machine is shared: the report gives
 * both, the ratio is against their mean). Both search figures are one client's back-to-back
 * searches through the gateway: "without" once the shards are quiet after the ingest (their
 * background snapshots and graph upkeep done), for `idle-seconds`; "during" every search started
 * while the migrate stage ran. The flow-control caps the shards ran with are in the report.
 *
 * Where the CPU went in both windows (cores per process, `other` = the rest of the machine: other
 * jobs, so a disturbed run shows), and what the receiver moved per second of CPU it got: the move
 * rate is its share of the machine times that efficiency, which tells the two causes apart.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HierarchicalNSW } from 'hnswlib-node';
import { connect } from 'nats';
import { metadataBucketName } from '@faceshard/cluster';
import { DEFAULT_MOVE_OPTIONS } from '../../apps/shard/src/rebalance/move-coordinator';
import { selfTimeRanking, type CpuProfile } from '../cluster/cpu-profile';
import { FaceshardClient } from '../cluster/faceshard-client';
import { summariseLatencies } from '../cluster/latency';
import { ProcessGroup } from '../cluster/process-group';
import { waitUntilIdle } from '../cluster/process-idle';
import { CpuShareMeter, pidByCommand, type CpuShares } from './cpu-shares';

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

/** Single-thread hnswlib inserts per second into a fresh index (M=16, efConstruction=200: the shards' defaults). */
function rawInsertRate(vectors: Float32Array, dim: number, n: number): number {
  const raw = new HierarchicalNSW('ip', dim);
  raw.initIndex(n, 16, 200, 100);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) raw.addPoint(Array.from(vectors.subarray(i * dim, (i + 1) * dim)), i);
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const count = arg('count', 100_000);
  const dim = arg('dim', 128);
  const idleSeconds = arg('idle-seconds', 20);
  const profileSeconds = arg('profile-seconds', 0);
  const caps = {
    maxIdsPerSecond: arg('max-ids-per-sec', DEFAULT_MOVE_OPTIONS.maxIdsPerSecond),
    maxTimeShare: arg('max-time-share', DEFAULT_MOVE_OPTIONS.maxTimeShare),
    chunkEntries: arg('chunk-ids', DEFAULT_MOVE_OPTIONS.chunkEntries),
    chunksInFlight: arg('chunks-in-flight', DEFAULT_MOVE_OPTIONS.chunksInFlight),
  };
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  // Compiled: this file is dist/bench/rebalance/run.js, the apps are under dist/apps.
  const dist = resolve(__dirname, '../..');
  const log = (line: string) => console.error(`[bench:rebalance] ${line}`);
  const vectors = unitVectors(count, dim, 7);
  const row = (i: number) => vectors.subarray(i * dim, (i + 1) * dim);
  const load = [loadavg()[0]];

  const rawCount = Math.round(count / 3);
  const rawBefore = rawInsertRate(vectors, dim, rawCount);
  log(`raw hnswlib before: ${Math.round(rawBefore)} inserts/s (${rawCount} vectors), load ${loadavg()[0]}`);

  const cluster = `benchrb-${process.pid}-${Date.now().toString(36)}`;
  const dataRoot = mkdtempSync(join(tmpdir(), 'faceshard-bench-rebalance-'));
  const group = new ProcessGroup(log);
  const common = {
    ...process.env,
    NATS_URL: natsUrl,
    FACESHARD_CLUSTER: cluster,
    SHARD_DOWN_AFTER_MS: '15000',
    // Only what differs from the shards' defaults (which `caps` starts from), so the report says what they ran with.
    ...(caps.maxIdsPerSecond !== DEFAULT_MOVE_OPTIONS.maxIdsPerSecond ? { REBALANCE_MAX_IDS_PER_SEC: String(caps.maxIdsPerSecond) } : {}),
    ...(caps.maxTimeShare !== DEFAULT_MOVE_OPTIONS.maxTimeShare ? { REBALANCE_MAX_TIME_SHARE: String(caps.maxTimeShare) } : {}),
    ...(caps.chunkEntries !== DEFAULT_MOVE_OPTIONS.chunkEntries ? { REBALANCE_CHUNK_IDS: String(caps.chunkEntries) } : {}),
    ...(caps.chunksInFlight !== DEFAULT_MOVE_OPTIONS.chunksInFlight ? { REBALANCE_CHUNKS_IN_FLIGHT: String(caps.chunksInFlight) } : {}),
  };
  for (const name of ['REBALANCE_MAX_IDS_PER_SEC', 'REBALANCE_MAX_TIME_SHARE', 'REBALANCE_CHUNK_IDS', 'REBALANCE_CHUNKS_IN_FLIGHT']) {
    if (process.env[name] !== undefined) throw new Error(`${name} is set in the environment: pass it as a bench option so the report shows it`);
  }
  const shardMain = join(dist, 'apps/shard/src/main.js');
  const shardPids = new Map<string, number>();
  // The receiver is not a ring member while it joins (the admin profile API refuses it): with
  // --profile-seconds it runs under --cpu-prof and is stopped by SIGINT (no leave) to write it.
  const profileDir = process.env.BENCH_PROFILE_DIR ?? join(tmpdir(), 'faceshard-bench-rebalance-profiles');
  const startShard = (id: string) => {
    const nodeArgs = profileSeconds > 0 && id === 's2' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=s2-${process.pid}.cpuprofile`] : [];
    const started = group.start(id, shardMain, { ...common, FACESHARD_ROLE: 'shard', SHARD_ID: id, DATA_DIR: join(dataRoot, id) }, 60_000, nodeArgs);
    shardPids.set(id, started.child.pid!);
    return started.ready;
  };
  let client: FaceshardClient | null = null;
  let report: Record<string, unknown>;
  try {
    await Promise.all(['s0', 's1'].map(startShard));
    const gateway = group.start('gateway', join(dist, 'apps/gateway/src/main.js'), { ...common, FACESHARD_ROLE: 'gateway', HOST: '127.0.0.1', PORT: '0' });
    const ready = await gateway.ready;
    const natsPid = pidByCommand('nats-server');
    const meteredPids = () => new Map([...shardPids, ['gateway', gateway.child.pid!], ...(natsPid === null ? [] : ([['nats', natsPid]] as const))]);
    const idleCpu = new CpuShareMeter(meteredPids);
    const migrateCpu = new CpuShareMeter(meteredPids);
    let migrateCpuShares: CpuShares | null = null;
    client = new FaceshardClient(String(ready.url), 8);
    await client.createCollection('bench', dim, 'ip');
    const i0 = performance.now();
    for (let start = 0; start < count; start += 1000) {
      const batch = Array.from({ length: Math.min(1000, count - start) }, (_, j) => ({ identityId: `p${start + j}`, faces: [{ faceId: 'f', vector: row(start + j) }] }));
      const reply = await client.upsertBatch('bench', batch);
      if (reply.failed?.length) throw new Error(`ingest failed: ${JSON.stringify(reply.failed[0])}`);
    }
    log(`ingested ${count} in ${((performance.now() - i0) / 1000).toFixed(1)} s`);
    // The ingest leaves background work (snapshots, graph upkeep): "without a move" is measured after it.
    const quiet = await waitUntilIdle([...shardPids.values()], { idleShare: 0.1, windowSeconds: 2, maxSeconds: 120 });
    const quietWaitSeconds = Math.round(quiet.seconds * 10) / 10;
    log(`shards quiet after ${quietWaitSeconds} s`);

    const probe = (n: number) => row((n * 7919) % count);
    /** Back-to-back searches until `stop()`; each sample is [start time, latency]. */
    const timeSearches = async (stop: () => boolean) => {
      const samples: [number, number][] = [];
      for (let n = 0; !stop(); n++) {
        const t = performance.now();
        await client!.search('bench', probe(n), 10);
        samples.push([t, performance.now() - t]);
      }
      return samples;
    };
    load.push(loadavg()[0]);
    const idleUntil = performance.now() + idleSeconds * 1000;
    idleCpu.start();
    const idle = (await timeSearches(() => performance.now() >= idleUntil)).map(([, ms]) => ms);
    const idleCpuShares = idleCpu.stop();

    let done = false;
    let migrateFrom = 0;
    let migrateTo = 0;
    let profiles: Promise<unknown> = Promise.resolve();
    const watcher = (async () => {
      for (;;) {
        const status = (await client!.cluster()) as any;
        const stage = status.move?.stage;
        if (stage === 'migrate-identities' && migrateFrom === 0) {
          migrateFrom = performance.now();
          migrateCpu.start();
          load.push(loadavg()[0]);
          if (profileSeconds > 0) profiles = recordProfiles(client!, ['s0'], profileSeconds, profileDir, log);
        }
        if (migrateFrom !== 0 && migrateTo === 0 && stage !== 'migrate-identities') {
          migrateTo = performance.now();
          migrateCpuShares = migrateCpu.stop();
          load.push(loadavg()[0]);
        }
        if (!status.move && status.members.some((m: any) => m.shardId === 's2' && m.state === 'active')) return status;
        await sleep(100);
      }
    })().finally(() => (done = true));
    const t0 = performance.now();
    await startShard('s2');
    const samples = await timeSearches(() => done || migrateTo !== 0);
    const status = await watcher;
    const finished = performance.now();
    migrateCpuShares ??= migrateCpu.stop();
    await profiles;
    const during = samples.filter(([t]) => migrateFrom !== 0 && t >= migrateFrom && (migrateTo === 0 || t < migrateTo)).map(([, ms]) => ms);
    const movedToS2 = status.members.find((m: any) => m.shardId === 's2').collections.find((c: any) => c.name === 'bench').identities;
    const migrateSeconds = ((migrateTo || finished) - migrateFrom) / 1000;
    const idleLatency = summariseLatencies(idle);
    const moveLatency = summariseLatencies(during);
    report = {
      count,
      dim,
      caps,
      rawInserts: rawCount,
      rawInsertsPerSecondBefore: Math.round(rawBefore),
      moved: movedToS2,
      movedFraction: Math.round((movedToS2 / count) * 1000) / 1000,
      idealFraction: Math.round((1 / 3) * 1000) / 1000,
      migrateSeconds: Math.round(migrateSeconds * 10) / 10,
      movedPerSecond: Math.round(movedToS2 / migrateSeconds),
      wholeMoveSeconds: Math.round(((finished - t0) / 1000) * 10) / 10,
      quietWaitSeconds,
      searchWithoutMove: { n: idle.length, p50: round2(idleLatency.p50Ms), p99: round2(idleLatency.p99Ms) },
      searchDuringMove: { n: during.length, p50: round2(moveLatency.p50Ms), p99: round2(moveLatency.p99Ms) },
      p99DuringVsWithout: round2(moveLatency.p99Ms / idleLatency.p99Ms),
      // Cores each process used on average: while searching without a move, and in the migrate stage.
      cpuWithoutMove: idleCpuShares,
      cpuDuringMigrate: migrateCpuShares,
      // What the receiver moved per second of CPU it got (against raw inserts/s: its efficiency, apart from its share of the machine).
      receiverMovedPerCpuSecond: migrateCpuShares?.cores.s2 ? Math.round(movedToS2 / migrateSeconds / migrateCpuShares.cores.s2) : null,
    };
  } finally {
    client?.close();
    if (profileSeconds > 0) await stopForProfile(group, 's2', profileDir, log);
    await group.stopAll();
    rmSync(dataRoot, { recursive: true, force: true });
    const nc = await connect({ servers: natsUrl });
    await (await nc.jetstreamManager()).streams.delete(`KV_${metadataBucketName(cluster)}`).catch(() => undefined);
    await nc.close();
  }
  const rawAfter = rawInsertRate(vectors, dim, rawCount);
  load.push(loadavg()[0]);
  const rawMean = (rawBefore + rawAfter) / 2;
  report.rawInsertsPerSecondAfter = Math.round(rawAfter);
  report.movedPerSecondVsRaw = round2((report.movedPerSecond as number) / rawMean);
  // 1-minute load: at start, before the idle searches, at migrate start and end, after the last raw pass.
  report.loadAverage1m = load;
  console.log(JSON.stringify(report, null, 2));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** CPU profiles of shards over the same seconds (admin API), saved as .cpuprofile with their top self times logged. */
async function recordProfiles(client: FaceshardClient, shards: string[], seconds: number, dir: string, log: (line: string) => void): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await Promise.all(
    shards.map(async (shard) => {
      try {
        const profile = (await client.profileCpu(shard, seconds)) as CpuProfile;
        const file = join(dir, `${shard}-${Date.now()}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        logTopSelfTimes(shard, file, profile, log);
      } catch (error) {
        log(`profile ${shard} failed: ${(error as Error).message}`);
      }
    }),
  );
}

function logTopSelfTimes(shard: string, file: string, profile: CpuProfile, log: (line: string) => void): void {
  const top = selfTimeRanking(profile).slice(0, 15);
  log(`profile ${shard} (${file}):\n${top.map((e) => `  ${(e.share * 100).toFixed(1)}% ${e.selfMs.toFixed(0)} ms ${e.name}`).join('\n')}`);
}

/** SIGINT (a stop that does not leave the cluster) to a shard run under --cpu-prof: node writes the profile as it exits. */
async function stopForProfile(group: ProcessGroup, name: string, dir: string, log: (line: string) => void): Promise<void> {
  const child = group.child(name);
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  await Promise.race([exited, sleep(15_000)]);
  const file = join(dir, `${name}-${process.pid}.cpuprofile`);
  try {
    logTopSelfTimes(name, file, JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, log);
  } catch (error) {
    log(`profile ${name} not written: ${(error as Error).message}`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
