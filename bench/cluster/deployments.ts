/**
 * Starts the faceshard configurations under test from the compiled apps in dist/: a NATS
 * cluster (N shard processes + one gateway process) or the embedded single process. Each gets
 * a fresh temporary data folder and, for clusters, a cluster name of its own on the shared NATS.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { FaceshardClient } from './faceshard-client';
import { deleteMetadataBucket } from './metadata-bucket';
import { pinProcess, type CpuPlacement } from './cpu-placement';
import { ProcessGroup } from './process-group';

export interface Deployment {
  name: string;
  kind: 'cluster' | 'embedded';
  shards: number;
  url: string;
  /**
   * Every gateway of the deployment, one per gateway variant (e.g. batched fan-out on and off),
   * all on the same shards; `url` is the first's.
   */
  gateways: { label: string; url: string; /** Its process (embedded: the one process, shard included). */ pid?: number }[];
  /** `--cpu-placement`: where its processes run (clusters only). */
  placement?: string;
  /** Namespace on NATS (clusters only). */
  clusterName?: string;
  /** Temporary folder holding every process's DATA_DIR; removed by stop(). */
  dataRoot: string;
  pids: number[];
  /** The processes holding the indexes (cluster: the shards; embedded: the one process) and their DATA_DIRs. */
  shardPids: number[];
  shardDataDirs: string[];
  /** What the processes printed last (for failure reports). */
  recentOutput(): string;
  stop(): Promise<void>;
}

export interface DeploymentParams {
  m: number;
  efConstruction: number;
  natsUrl: string;
  /** 0 = let the OS choose, the URL is read from the gateway's ready line. */
  port: number;
  /** Compiled apps; default <repo>/dist. */
  distDir: string | null;
  /** Node flags for every child process (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** One gateway per entry (clusters), each with these extra variables; embedded runs the first. Default: one, as configured by default. */
  gatewayVariants?: GatewayVariant[];
  /**
   * `--cpu-placement`: a plan for a given shard count (cpu-placement.ts); each shard on its core, the
   * gateways and this process on the rest. null/absent: nothing pinned. Embedded runs are not placed.
   */
  placement?: ((shards: number) => CpuPlacement) | null;
  /** Extra environment of every gateway and shard process (e.g. METRICS_ENABLED, OTEL_*). */
  env?: Record<string, string>;
  log: (line: string) => void;
}

export interface GatewayVariant {
  label: string;
  env: Record<string, string>;
}

const DEFAULT_VARIANTS: GatewayVariant[] = [{ label: 'default', env: {} }];

/** Gateways for the batched fan-out modes asked for (`--search-batching`, `--batch-window-us`, `--batch-max`). */
export function batchingVariants(modes: ('on' | 'off')[], windowsUs: number[], max: number | null): GatewayVariant[] {
  return modes.flatMap((mode) => {
    if (mode === 'off') return [{ label: 'batching off', env: { SEARCH_BATCH_WINDOW_US: '0' } }];
    const maxEnv: Record<string, string> = max === null ? {} : { SEARCH_BATCH_MAX: String(max) };
    if (windowsUs.length === 0) return [{ label: 'batching on', env: maxEnv }];
    return windowsUs.map((w) => ({ label: windowsUs.length > 1 ? `batching on, window ${w} µs` : 'batching on', env: { ...maxEnv, SEARCH_BATCH_WINDOW_US: String(w) } }));
  });
}

/** The repository root: the nearest folder above this file that holds package.json (works from src and dist). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

export function appEntryPoints(distDir: string | null): { gateway: string; shard: string; platform: string } {
  const dist = resolve(distDir ?? join(repoRoot(), 'dist'));
  const gateway = join(dist, 'apps/gateway/src/main.js');
  const shard = join(dist, 'apps/shard/src/main.js');
  const platform = join(dist, 'apps/platform/src/main.js');
  for (const entry of [gateway, shard, platform]) if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  return { gateway, shard, platform };
}

/** Our environment without anything that configures faceshard, so that each child gets only what we set. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(FACESHARD_|HNSW_|SEARCH_BATCH_|OTEL_)/.test(key) || key === 'METRICS_ENABLED' || ['NATS_URL', 'PORT', 'HOST', 'DATA_DIR', 'EMBEDDED_SHARDS', 'SHARD_ID', 'SEARCH_TIMEOUT_MS'].includes(key)) delete env[key];
  }
  return env;
}

export async function startCluster(shards: number, p: DeploymentParams): Promise<Deployment> {
  const { gateway, shard } = appEntryPoints(p.distDir);
  const clusterName = `bench-${process.pid}-${Date.now().toString(36)}-n${shards}`;
  const dataRoot = mkdtempSync(join(tmpdir(), `faceshard-bench-n${shards}-`));
  const group = new ProcessGroup(p.log);
  const common = {
    ...cleanEnv(),
    NATS_URL: p.natsUrl,
    FACESHARD_CLUSTER: clusterName,
    HNSW_M: String(p.m),
    HNSW_EF_CONSTRUCTION: String(p.efConstruction),
    // On a shared, loaded 2-core machine a shard busy inserting (or writing a snapshot) can miss
    // heartbeats for seconds: the default 3 s would mark it down mid-insert and fail the run.
    SHARD_DOWN_AFTER_MS: '30000',
    WRITE_TIMEOUT_MS: '60000',
    // A search answered late would count as a partial answer and lower recall: give it time.
    SEARCH_TIMEOUT_MS: '10000',
    ...p.env,
  };
  const stop = async (): Promise<void> => {
    await group.stopAll();
    rmSync(dataRoot, { recursive: true, force: true });
    await deleteMetadataBucket(p.natsUrl, clusterName).catch((err) => p.log(`could not delete the NATS metadata bucket of ${clusterName}: ${err}`));
  };
  const placement = p.placement ? p.placement(shards) : null;
  // This process is the benchmark client: it shares the gateway's cores.
  if (placement) pinProcess(placement.rest);
  try {
    const shardProcs = Array.from({ length: shards }, (_, i) =>
      group.start(`shard s${i}`, shard, { ...common, FACESHARD_ROLE: 'shard', SHARD_ID: `s${i}`, DATA_DIR: join(dataRoot, `s${i}`) }, undefined, p.nodeArgs, placement?.shardCores[i]),
    );
    await Promise.all(shardProcs.map((s) => s.ready));
    // Gateways are stateless: one per variant on the same shards, timed one at a time.
    const gateways: Deployment['gateways'] = [];
    for (const [i, variant] of (p.gatewayVariants ?? DEFAULT_VARIANTS).entries()) {
      const port = p.port === 0 ? 0 : p.port + i;
      const gw = group.start(`gateway (${variant.label})`, gateway, { ...common, ...variant.env, FACESHARD_ROLE: 'gateway', HOST: '127.0.0.1', PORT: String(port) }, undefined, p.nodeArgs, placement?.rest);
      const url = urlFrom(await gw.ready, port);
      await waitForMembers(url, shards);
      gateways.push({ label: variant.label, url, pid: gw.child.pid });
    }
    return {
      name: `cluster, ${shards} shard${shards > 1 ? 's' : ''} (NATS)`,
      kind: 'cluster',
      shards,
      url: gateways[0]!.url,
      gateways,
      ...(placement ? { placement: placement.description } : {}),
      clusterName,
      dataRoot,
      pids: group.pids(),
      shardPids: shardProcs.map((s) => s.child.pid).filter((pid): pid is number => pid !== undefined),
      shardDataDirs: shardProcs.map((_, i) => join(dataRoot, `s${i}`)),
      recentOutput: () => group.recentOutput(),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function startEmbedded(p: DeploymentParams): Promise<Deployment> {
  const { platform } = appEntryPoints(p.distDir);
  const dataRoot = mkdtempSync(join(tmpdir(), 'faceshard-bench-embedded-'));
  const variant = (p.gatewayVariants ?? DEFAULT_VARIANTS)[0]!;
  const group = new ProcessGroup(p.log);
  const stop = async (): Promise<void> => {
    await group.stopAll();
    rmSync(dataRoot, { recursive: true, force: true });
  };
  try {
    const gw = group.start('embedded', platform, {
      ...cleanEnv(),
      HOST: '127.0.0.1',
      PORT: String(p.port),
      DATA_DIR: dataRoot,
      EMBEDDED_SHARDS: '1',
      HNSW_M: String(p.m),
      HNSW_EF_CONSTRUCTION: String(p.efConstruction),
      ...variant.env,
    }, undefined, p.nodeArgs);
    const url = urlFrom(await gw.ready, p.port);
    await waitForMembers(url, 1);
    return {
      name: 'embedded, 1 in-process shard',
      kind: 'embedded',
      shards: 1,
      url,
      gateways: [{ label: variant.label, url, pid: gw.child.pid }],
      dataRoot,
      pids: group.pids(),
      shardPids: gw.child.pid === undefined ? [] : [gw.child.pid],
      shardDataDirs: [join(dataRoot, 'shards', '0')],
      recentOutput: () => group.recentOutput(),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function urlFrom(ready: { url?: string }, port: number): string {
  if (typeof ready.url === 'string' && ready.url.startsWith('http')) return ready.url;
  if (port === 0) throw new Error('the gateway did not say its URL in its ready line; pass --port');
  return `http://127.0.0.1:${port}`;
}

/** Polls GET /v1/cluster until `n` members are up (shards register and heartbeat asynchronously). */
async function waitForMembers(url: string, n: number, timeoutMs = 30_000): Promise<void> {
  const client = new FaceshardClient(url, 1);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  try {
    while (Date.now() < deadline) {
      try {
        const state = await client.cluster();
        const up = state.members.filter((m) => m.health === 'up').length;
        last = JSON.stringify(state);
        if (up >= n) return;
      } catch (err) {
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${n} shard(s) not up at ${url} after ${timeoutMs} ms; last /v1/cluster: ${last}`);
  } finally {
    client.close();
  }
}

