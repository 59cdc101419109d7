/**
 * npm run bench:rebalance [-- options]   (options.ts; --help lists them)
 *
 * Issue 7's benchmark: a 2-shard cluster on the shared NATS holding `count` identities grows to 3
 * shards (join) and, with --leave, shrinks back to 2 by draining the third (leave: what SIGTERM
 * does). Reports, from the same run: identities moved per second against the raw hnswlib insert
 * rate of this machine (the floor of a move that re-inserts), the moved fraction against the ideal
 * 1/3, and search p50/p99 during the move next to p50/p99 without one (for the leave: the 3-shard
 * cluster without a move). 1M identities: --count 1000000 (the raw passes then insert 333k each).
 *
 * Which member leaves: by default s2, the joiner, so its identities go back to the members that
 * held them before the join (scale-in after scale-out), whose graphs still hold them as deleted
 * nodes that a returning face revives (libs/index freed-faces.ts). `--drain s0` drains an
 * original member instead: its identities were never anywhere else, every one is a new node on
 * its receiver (s1, and s2, which joined with a fresh graph).
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
import { connect, type NatsConnection } from 'nats';
import { JetStreamMetadataStore } from '@faceshard/cluster';
import { stateOf } from '@faceshard/rebalance';
import { DEFAULT_MOVE_OPTIONS } from '../../apps/shard/src/rebalance/move-coordinator';
import { DEFAULT_RECEIVER_NICE } from '../../apps/shard/src/rebalance/receiver-priority';
import { selfTimeRanking, type CpuProfile } from '../cluster/cpu-profile';
import { FaceshardClient } from '../cluster/faceshard-client';
import { ProcessGroup } from '../cluster/process-group';
import { waitUntilIdle } from '../cluster/process-idle';
import { pidByCommand } from './cpu-shares';
import { moveReport, withRawRatio, type MoveReport } from './move-report';
import { measureMove } from './move-window';
import { optionsOrExit } from '../cli-options';
import { deleteMetadataBucket } from '../cluster/metadata-bucket';
import { parseRebalanceBenchOptions, REBALANCE_BENCH_USAGE } from './options';
import { freshInsertRate, receiverShapedInsertRate, type RawRate } from './raw-inserts';
import { unitVectors } from './unit-vectors';

async function main(): Promise<void> {
  const options = optionsOrExit('bench:rebalance', REBALANCE_BENCH_USAGE, () => parseRebalanceBenchOptions(process.argv.slice(2)));
  if (!options) return;
  const { count, dim, idleSeconds, profileSeconds, leave, leaver, searchRate } = options;
  const stayers = ['s0', 's1', 's2'].filter((id) => id !== leaver);
  const caps = {
    maxIdsPerSecond: options.maxIdsPerSecond ?? DEFAULT_MOVE_OPTIONS.maxIdsPerSecond,
    maxTimeShare: options.maxTimeShare ?? DEFAULT_MOVE_OPTIONS.maxTimeShare,
    chunkEntries: options.chunkEntries ?? DEFAULT_MOVE_OPTIONS.chunkEntries,
    chunksInFlight: options.chunksInFlight ?? DEFAULT_MOVE_OPTIONS.chunksInFlight,
    receiverNice: options.receiverNice ?? DEFAULT_RECEIVER_NICE,
  };
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  // Compiled: this file is dist/bench/rebalance/run.js, the apps are under dist/apps.
  const dist = resolve(__dirname, '../..');
  const log = (line: string) => console.error(`[bench:rebalance] ${line}`);
  const vectors = unitVectors(count, dim, 7);
  const row = (i: number) => vectors.subarray(i * dim, (i + 1) * dim);
  const loadAtStart = loadavg()[0];

  const rawCount = Math.round(count / 3);
  const rawPasses = () => {
    const fresh = freshInsertRate(vectors, dim, count);
    log(`raw hnswlib, fresh index: ${Math.round(fresh.perSecond)} inserts/s (${fresh.inserts} vectors, ${fresh.cpuMsPerInsert.toFixed(3)} CPU ms each), load ${loadavg()[0]}`);
    if (!leave) return { fresh, receiver: null };
    const receiver = receiverShapedInsertRate(vectors, dim, count);
    log(`raw hnswlib, a leave receiver's index: ${Math.round(receiver.perSecond)} inserts/s (${receiver.inserts} vectors, ${receiver.cpuMsPerInsert.toFixed(3)} CPU ms each), load ${loadavg()[0]}`);
    return { fresh, receiver };
  };
  const rawBeforePasses = rawPasses();
  const rawBefore = rawBeforePasses.fresh.perSecond;

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
    ...(caps.receiverNice !== DEFAULT_RECEIVER_NICE ? { REBALANCE_RECEIVER_NICE: String(caps.receiverNice) } : {}),
  };
  for (const name of ['REBALANCE_MAX_IDS_PER_SEC', 'REBALANCE_MAX_TIME_SHARE', 'REBALANCE_CHUNK_IDS', 'REBALANCE_CHUNKS_IN_FLIGHT', 'REBALANCE_RECEIVER_NICE']) {
    if (process.env[name] !== undefined) throw new Error(`${name} is set in the environment: pass it as a bench option so the report shows it`);
  }
  const shardMain = join(dist, 'apps/shard/src/main.js');
  const shardPids = new Map<string, number>();
  // The receiver is not a ring member while it joins (the admin profile API refuses it): with
  // --profile-seconds it runs under --cpu-prof and is stopped by SIGINT (no leave) to write it.
  // So a profiled run measures the join only.
  const profileDir = process.env.BENCH_PROFILE_DIR ?? join(tmpdir(), 'faceshard-bench-rebalance-profiles');
  const startShard = (id: string) => {
    const nodeArgs = profileSeconds > 0 && id === 's2' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=s2-${process.pid}.cpuprofile`] : [];
    const started = group.start(id, shardMain, { ...common, FACESHARD_ROLE: 'shard', SHARD_ID: id, DATA_DIR: join(dataRoot, id) }, 60_000, nodeArgs);
    shardPids.set(id, started.child.pid!);
    return started.ready;
  };
  let client: FaceshardClient | null = null;
  let nc: NatsConnection | null = null;
  let metadata: JetStreamMetadataStore | null = null;
  let report: Record<string, unknown>;
  let joinReport: MoveReport;
  // s2ExitCode: the leaver's exit code (named so when only s2 could leave).
  let leaveReport: (MoveReport & { leaver: string; s2ExitCode: number | null | 'still running'; identitiesAfter: number }) | null = null;
  try {
    await Promise.all(['s0', 's1'].map(startShard));
    const gateway = group.start('gateway', join(dist, 'apps/gateway/src/main.js'), { ...common, FACESHARD_ROLE: 'gateway', HOST: '127.0.0.1', PORT: '0' });
    const ready = await gateway.ready;
    nc = await connect({ servers: natsUrl });
    metadata = await JetStreamMetadataStore.open(nc, cluster, { probeEveryMs: 0 });
    const natsPid = pidByCommand('nats-server');
    const meteredPids = () => new Map([...shardPids, ['gateway', gateway.child.pid!], ...(natsPid === null ? [] : ([['nats', natsPid]] as const))]);
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
    const quietWaitSeconds = await waitForQuiet([...shardPids.values()], count, log);
    const probe = (n: number) => row((n * 7919) % count);
    const window = { client, metadata, collection: 'bench', idleSeconds, probe, searchRate, pids: meteredPids };

    let profiles: Promise<unknown> = Promise.resolve();
    const joined = await measureMove({
      ...window,
      receivers: ['s2'],
      begin: () => startShard('s2'),
      finished: (ring) => !ring.move && stateOf(ring, 's2') === 'active',
      onMigrateStart: () => {
        if (profileSeconds > 0) profiles = recordProfiles(client!, ['s0'], profileSeconds, profileDir, log);
      },
    });
    await profiles;
    const afterJoin = await holdings(client);
    joinReport = moveReport(joined, afterJoin.get('s2') ?? 0, count, 1 / 3, ['s2']);
    log(`join: ${joinReport.moved} moved in ${joinReport.migrateSeconds} s (${joinReport.movedPerSecond}/s), search p99 ${joinReport.p99DuringVsWithout}x, coordinator ${joinReport.coordinator}`);

    if (leave) {
      // 3 -> 2: the leaver is drained (what SIGTERM does too); "without a move" is the 3-shard cluster, quiet again.
      await waitForQuiet([...shardPids.values()], count, log);
      const before = await holdings(client);
      const leaverPid = shardPids.get(leaver)!;
      const exited = new Promise<number | null>((resolve) => group.child(leaver)!.once('exit', (code) => resolve(code)));
      group.expectExit(leaver);
      const left = await measureMove({
        ...window,
        receivers: stayers,
        begin: () => client!.drain(leaver),
        finished: (ring) => !ring.move && stateOf(ring, leaver) === null,
      });
      const exitCode = await Promise.race([exited, sleep(30_000).then(() => 'still running' as const)]);
      const after = await holdings(client);
      const total = [...after.values()].reduce((a, b) => a + b, 0);
      leaveReport = { ...moveReport(left, before.get(leaver) ?? 0, count, 1 / 3, stayers), leaver, s2ExitCode: exitCode, identitiesAfter: total };
      shardPids.delete(leaver);
      log(`leave: ${leaveReport.moved} moved in ${leaveReport.migrateSeconds} s (${leaveReport.movedPerSecond}/s), search p99 ${leaveReport.p99DuringVsWithout}x, ${leaver} (pid ${leaverPid}) exit ${exitCode}, ${total} identities held after`);
    }
    report = { count, dim, caps, searchLoad: searchRate === null ? 'one client, back to back' : `${searchRate} searches/s, open loop`, rawInserts: rawCount, rawInsertsPerSecondBefore: Math.round(rawBefore), quietWaitSeconds };
  } finally {
    client?.close();
    if (profileSeconds > 0) await stopForProfile(group, 's2', profileDir, log);
    await group.stopAll();
    rmSync(dataRoot, { recursive: true, force: true });
    await metadata?.close().catch(() => undefined);
    await nc?.close();
    await deleteMetadataBucket(natsUrl, cluster).catch(() => undefined);
  }
  const rawAfterPasses = rawPasses();
  const rawAfter = rawAfterPasses.fresh.perSecond;
  report.rawInsertsPerSecondAfter = Math.round(rawAfter);
  report.rawCpuMsPerInsert = [rawBeforePasses.fresh, rawAfterPasses.fresh].map((r) => round3(r.cpuMsPerInsert));
  // The join's figures at the top level, as before --leave existed; the leave's under `leave`.
  Object.assign(report, withRawRatio(joinReport, rawBefore, rawAfter));
  if (leaveReport) {
    report.leave = {
      ...withRawRatio(leaveReport, rawBefore, rawAfter),
      ...receiverRawRatio(leaveReport.movedPerSecond, rawBeforePasses.receiver!, rawAfterPasses.receiver!),
    };
  }
  // 1-minute load: at start, and after the last raw pass (each move's own are in its figures).
  report.loadAtStartAndEnd = [loadAtStart, loadavg()[0]];
  console.log(JSON.stringify(report, null, 2));
}

/**
 * Waits for the shards' background work after a change (snapshots, graph upkeep); seconds waited.
 * At most 120 s, or a second per 2,000 identities (a shard's snapshot at 1M takes minutes).
 */
async function waitForQuiet(pids: number[], count: number, log: (line: string) => void): Promise<number> {
  const quiet = await waitUntilIdle(pids, { idleShare: 0.1, windowSeconds: 2, maxSeconds: Math.max(120, count / 2000) });
  const seconds = Math.round(quiet.seconds * 10) / 10;
  log(quiet.idle ? `shards quiet after ${seconds} s` : `shards still busy after ${seconds} s (busiest ${quiet.lastShare.toFixed(2)} core): measuring anyway`);
  return seconds;
}

/** Identities each shard holds of the bench collection (GET /v1/cluster). */
async function holdings(client: FaceshardClient): Promise<Map<string, number>> {
  const status = (await client.cluster()) as any;
  return new Map(
    status.members.map((m: any) => [m.shardId, m.collections?.find((c: any) => c.name === 'bench')?.identities ?? 0] as const),
  );
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The leave against the raw rate of inserting into an index shaped like its receivers' (see raw-inserts.ts). */
function receiverRawRatio(movedPerSecond: number, before: RawRate, after: RawRate) {
  return {
    receiverShapedRawPerSecond: [Math.round(before.perSecond), Math.round(after.perSecond)],
    receiverShapedRawCpuMsPerInsert: [round3(before.cpuMsPerInsert), round3(after.cpuMsPerInsert)],
    movedPerSecondVsReceiverShapedRaw: Math.round((movedPerSecond / ((before.perSecond + after.perSecond) / 2)) * 100) / 100,
  };
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
  group.expectExit(name); // stopped on purpose, to write its profile
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
