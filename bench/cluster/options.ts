import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Command-line options of `npm run bench:cluster`. Pure: argv in, options out. */
export interface BenchOptions {
  identities: number;
  probes: number;
  /** Share of probes that show people not enrolled. */
  unenrolledFraction: number;
  facesPerIdentity: number;
  seed: number;
  /** Cluster sizes to run, each through the gateway over NATS; empty = none. */
  shards: number[];
  /** Also run the embedded single-process mode (gateway + 1 in-process shard, no NATS). */
  embedded: boolean;
  /** Run the in-process hnswlib-node baseline. */
  raw: boolean;
  /** Build the raw baseline in a child process while the cluster is filled (default: big runs only). */
  rawAlongside: boolean;
  /** Alongside: after the clusters, wait at most this long for the raw build, then stop it (memory is still reported). */
  rawWaitSeconds: number;
  /** Subtract the gallery mean from gallery and probes, then renormalise (issue 10's mean-subtraction lever). */
  centre: boolean;
  /** Where exact top-k answers are kept between runs (keyed by everything that makes the vectors); null = always compute. */
  cacheDir: string | null;
  concurrency: number;
  /** After the timed pass, time the same ef again with one sequential client (the latency the path adds). */
  oneClient: boolean;
  /** One round with one sequential client at every ef of the ladder too (default: big runs only). */
  oneClientLadder: boolean;
  /** Extra node flags for the gateway and shard processes (e.g. --cpu-prof --cpu-prof-dir=DIR). */
  nodeArgs: string[];
  /** 'once': search bodies built before each pass; 'each': in every request (the client's CPU then includes it). */
  clientBody: 'once' | 'each';
  /**
   * Batched fan-out modes to time on each cluster, in order: one gateway per mode on the same
   * shards (same index, inserted once), each timed alone. The embedded mode runs the first only.
   */
  searchBatching: ('on' | 'off')[];
  /** SEARCH_BATCH_WINDOW_US of the gateway for "on", one "on" gateway per value; empty = the gateway's default. */
  batchWindowUs: number[];
  /** SEARCH_BATCH_MAX of the gateway for "on"; null = the gateway's default. */
  batchMax: number | null;
  targetRecall: number;
  /**
   * When set, the chosen ef is the smallest whose rank-1 is within this of exact search's (issue
   * 10's 1M target), instead of the first reaching targetRecall; null = by recall.
   */
  targetRank1Gap: number | null;
  efLadder: number[];
  /** Walk the whole ladder through HTTP too (default: stop at the first ef that reaches the target; raw always walks it all). */
  fullLadder: boolean;
  k: number;
  m: number;
  efConstruction: number;
  batchSize: number;
  /** Insert batches in flight at once. */
  insertInFlight: number;
  /** After the fill, wait at most this long for the shards to go idle (last snapshot, graph upkeep) before searching. */
  settleSeconds: number;
  /** Each timed search pass runs at least this long (repeating the probes). */
  minSeconds: number;
  natsUrl: string;
  /** Gateway TCP port; 0 = any free port (read back from the gateway's ready line). */
  basePort: number;
  out: string;
  /** Where the compiled apps are (default <repo>/dist, what `npm run build` writes). */
  distDir: string | null;
  /**
   * Pin each shard process to a core of its own and the gateway(s) and the client to the rest
   * (taskset; cpu-placement.ts); the raw baseline then searches on the first shard's core.
   */
  cpuPlacement: boolean;
  /** Instead of the usual configurations: search QPS with metrics and tracing off/on, side by side (observability-cost.ts). */
  observabilityCost: boolean;
  /** Timed passes per variant in that comparison, taking turns. */
  observabilityRounds: number;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  identities: 100_000,
  probes: 2_000,
  unenrolledFraction: 0.2,
  facesPerIdentity: 1,
  seed: 42,
  shards: [1, 2, 4],
  embedded: true,
  raw: true,
  rawAlongside: false,
  rawWaitSeconds: 1800,
  centre: false,
  cacheDir: join(tmpdir(), 'faceshard-bench-cache'),
  concurrency: 8,
  oneClient: true,
  oneClientLadder: false,
  nodeArgs: [],
  clientBody: 'once',
  searchBatching: ['on'],
  batchWindowUs: [],
  batchMax: null,
  targetRecall: 0.95,
  targetRank1Gap: null,
  efLadder: [32, 64, 128, 256, 512],
  fullLadder: false,
  k: 10,
  m: 16,
  efConstruction: 200,
  batchSize: 1000,
  insertInFlight: 4,
  settleSeconds: 120,
  minSeconds: 5,
  natsUrl: 'nats://127.0.0.1:4222',
  basePort: 0,
  out: 'bench/results/cluster.json',
  distDir: null,
  cpuPlacement: false,
  observabilityCost: false,
  observabilityRounds: 3,
};

/**
 * From this many identities on, a run is "big" and what is not given explicitly changes (so that
 * `--identities 1000000` alone has a chance to fit in an hour on the shared 2-core machine): one
 * 2-shard cluster (on two cores a query costs both cores either way; more shards only add
 * fan-out), no embedded run, M 16 / efConstruction 100 (inserting is most of a big run's time
 * and costs ~efConstruction x M; at 100k, M 32 needed half the ef for the same rank-1 at the same
 * CPU per query and 1.4x the build, efConstruction 200 cut the ef ~20% at 1.7x the build:
 * bench/cluster/README.md), the raw baseline built in a child process while the cluster is filled,
 * paused while the cluster is searched and given at most 15 more minutes afterwards, and an ef
 * ladder for that size walked whole, with one client too, the operating point being the smallest
 * ef whose rank-1 is within 0.01 of exact search's (issue 10's 1M target).
 */
export const BIG_RUN_IDENTITIES = 500_000;
export const BIG_RUN_DEFAULTS = {
  shards: [2],
  embedded: false,
  rawAlongside: true,
  rawWaitSeconds: 900,
  efConstruction: 100,
  // Steps of sqrt(2) where rank-1 comes within 0.01 of exact at 1M (between 2048 and 4096 in the first 1M run).
  efLadder: [512, 1024, 1448, 2048, 2896, 4096],
  fullLadder: true,
  targetRecall: 0.995,
  targetRank1Gap: 0.01,
  oneClientLadder: true,
  // After a 1M fill each shard writes its last snapshot and runs the graph-upkeep check: in the
  // 27 Nov 1M run both shards were still at 104% of a core when a 120 s wait ended, so the ladder
  // was timed beside them. The wait ends as soon as the shards are idle; this only raises its cap.
  settleSeconds: 360,
};

export const USAGE = `Usage: npm run bench:cluster -- [options]
  --identities N         enrolled identities (default ${DEFAULT_OPTIONS.identities})
  --probes N             probe faces (default ${DEFAULT_OPTIONS.probes})
  --unenrolled F         share of probes of people not enrolled (default ${DEFAULT_OPTIONS.unenrolledFraction})
  --faces-per-identity N gallery faces per identity (default ${DEFAULT_OPTIONS.facesPerIdentity})
  --seed N               data seed (default ${DEFAULT_OPTIONS.seed})
  --shards 1,2,4         cluster sizes over NATS; "none" to skip (default ${DEFAULT_OPTIONS.shards.join(',')})
  --no-embedded / --embedded   skip / run the embedded single-process mode
  --no-raw               skip the in-process hnswlib-node baseline
  --raw-alongside / --raw-first   build the raw baseline in a child process while the cluster
                         is filled / before it, in this process (default: alongside from
                         ${BIG_RUN_IDENTITIES} identities on, first below)
  --raw-wait S           alongside: wait at most S seconds for the raw build once the clusters are
                         done, then stop it and report its memory (default ${DEFAULT_OPTIONS.rawWaitSeconds})
  --centre               subtract the gallery mean from every vector, then renormalise
  --cache-dir DIR / --no-cache   keep exact top-k answers between runs in DIR (default
                         ${DEFAULT_OPTIONS.cacheDir}) / always compute them
  --concurrency N        HTTP requests in flight when timing search (default ${DEFAULT_OPTIONS.concurrency})
  --no-one-client        skip the one-client latency pass at the chosen ef
  --one-client-ladder / --no-one-client-ladder   also one round with one client at every ef
                         (default: from ${BIG_RUN_IDENTITIES} identities on)
  --client-body once|each   build each probe's search body (JSON, base64) before a pass, or in every
                         request as the client did before 27 Nov (default ${DEFAULT_OPTIONS.clientBody}; same bytes sent)
  --node-args "FLAGS"    node flags for the gateway and shard processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  --search-batching off,on  batched fan-out modes timed on each cluster, one gateway each on the same shards (default on)
  --batch-window-us N,M  SEARCH_BATCH_WINDOW_US when on; several values: one "on" gateway each (default: the gateway's own)
  --batch-max N          SEARCH_BATCH_MAX when on (default: the gateway's own)
  --target-recall F      recall@k the chosen ef must reach (default ${DEFAULT_OPTIONS.targetRecall})
  --target-rank1-gap G   instead: the chosen ef is the smallest whose rank-1 is within G of exact
                         search's (default: by recall below ${BIG_RUN_IDENTITIES} identities)
  --ef 32,64,...         ef ladder (default ${DEFAULT_OPTIONS.efLadder.join(',')})
  --full-ladder          through HTTP too, try every ef (default: stop at the first reaching the target)
  --k N                  neighbours per search (default ${DEFAULT_OPTIONS.k})
  --m N --ef-construction N   HNSW build parameters for raw and shards (default ${DEFAULT_OPTIONS.m}/${DEFAULT_OPTIONS.efConstruction})
  --batch N              identities per insert batch (default ${DEFAULT_OPTIONS.batchSize}, max 1000)
  --insert-in-flight N   insert batches in flight (default ${DEFAULT_OPTIONS.insertInFlight})
  --settle S             after the fill, wait at most S seconds for the shards to go idle before
                         searching (default ${DEFAULT_OPTIONS.settleSeconds})
  --min-seconds F        minimum duration of each timed search pass (default ${DEFAULT_OPTIONS.minSeconds})
  --nats URL             NATS server (default ${DEFAULT_OPTIONS.natsUrl})
  --port N               gateway port (default 0: any free port)
  --out PATH             JSON report (default ${DEFAULT_OPTIONS.out})
  --dist DIR             compiled apps (default <repo>/dist)
  --cpu-placement        pin each shard process to a core of its own, the gateway and this client to the
                         cores left over (all when none is), the raw baseline to shard s0's core (Linux
                         taskset); nats-server and the embedded process are not pinned (default off)
  --observability-cost   only compare search QPS with metrics off / metrics on / metrics on + tracing at 100%:
                         one cluster each (--shards: the first size), all at once, at the first --ef, passes taking turns
  --observability-rounds N   timed passes per variant in that comparison (default ${DEFAULT_OPTIONS.observabilityRounds})
  --help
From ${BIG_RUN_IDENTITIES} identities on, unless given: --shards ${BIG_RUN_DEFAULTS.shards.join(',')} --no-embedded --raw-alongside
  --raw-wait ${BIG_RUN_DEFAULTS.rawWaitSeconds} --ef-construction ${BIG_RUN_DEFAULTS.efConstruction} --ef ${BIG_RUN_DEFAULTS.efLadder.join(',')} --full-ladder --one-client-ladder
  --target-rank1-gap ${BIG_RUN_DEFAULTS.targetRank1Gap} (a --target-recall given instead: by recall) --settle ${BIG_RUN_DEFAULTS.settleSeconds}`;

export class UsageError extends Error {}

export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  const opts: BenchOptions = { ...DEFAULT_OPTIONS, shards: [...DEFAULT_OPTIONS.shards], efLadder: [...DEFAULT_OPTIONS.efLadder], nodeArgs: [], searchBatching: [...DEFAULT_OPTIONS.searchBatching], batchWindowUs: [] };
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    given.add(flag);
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--identities':
        opts.identities = positiveInt(flag, value());
        break;
      case '--probes':
        opts.probes = positiveInt(flag, value());
        break;
      case '--unenrolled':
        opts.unenrolledFraction = fraction(flag, value());
        break;
      case '--faces-per-identity':
        opts.facesPerIdentity = positiveInt(flag, value());
        break;
      case '--seed':
        opts.seed = nonNegativeInt(flag, value());
        break;
      case '--shards': {
        const v = value();
        opts.shards = v === 'none' || v === '' ? [] : intList(flag, v);
        break;
      }
      case '--no-embedded':
        opts.embedded = false;
        break;
      case '--embedded':
        opts.embedded = true;
        break;
      case '--no-raw':
        opts.raw = false;
        break;
      case '--raw-alongside':
        opts.rawAlongside = true;
        break;
      case '--raw-first':
        opts.rawAlongside = false;
        break;
      case '--centre':
        opts.centre = true;
        break;
      case '--raw-wait':
        opts.rawWaitSeconds = nonNegativeNumber(flag, value());
        break;
      case '--cache-dir':
        opts.cacheDir = value();
        break;
      case '--no-cache':
        opts.cacheDir = null;
        break;
      case '--concurrency':
        opts.concurrency = positiveInt(flag, value());
        break;
      case '--no-one-client':
        opts.oneClient = false;
        break;
      case '--one-client-ladder':
        opts.oneClientLadder = true;
        break;
      case '--no-one-client-ladder':
        opts.oneClientLadder = false;
        break;
      case '--client-body': {
        const mode = value();
        if (mode !== 'once' && mode !== 'each') throw new UsageError(`--client-body takes once or each, got "${mode}"`);
        opts.clientBody = mode;
        break;
      }
      case '--node-args':
        opts.nodeArgs = value().split(/\s+/).filter((a) => a !== '');
        break;
      case '--search-batching': {
        const modes = value().split(',').map((m) => m.trim());
        if (modes.some((m) => m !== 'on' && m !== 'off') || new Set(modes).size !== modes.length) {
          throw new UsageError(`--search-batching takes on, off, or both as "off,on", got "${modes.join(',')}"`);
        }
        opts.searchBatching = modes as ('on' | 'off')[];
        break;
      }
      case '--batch-window-us':
        opts.batchWindowUs = intList(flag, value());
        break;
      case '--batch-max':
        opts.batchMax = positiveInt(flag, value());
        break;
      case '--target-recall':
        opts.targetRecall = fraction(flag, value());
        break;
      case '--target-rank1-gap':
        opts.targetRank1Gap = fraction(flag, value());
        break;
      case '--ef':
        opts.efLadder = intList(flag, value()).sort((a, b) => a - b);
        break;
      case '--full-ladder':
        opts.fullLadder = true;
        break;
      case '--k':
        opts.k = positiveInt(flag, value());
        break;
      case '--m':
        opts.m = positiveInt(flag, value());
        break;
      case '--ef-construction':
        opts.efConstruction = positiveInt(flag, value());
        break;
      case '--batch':
        opts.batchSize = positiveInt(flag, value());
        if (opts.batchSize > 1000) throw new UsageError('--batch is at most 1000 (the API limit)');
        break;
      case '--insert-in-flight':
        opts.insertInFlight = positiveInt(flag, value());
        break;
      case '--settle':
        opts.settleSeconds = nonNegativeNumber(flag, value());
        break;
      case '--min-seconds':
        opts.minSeconds = nonNegativeNumber(flag, value());
        break;
      case '--nats':
        opts.natsUrl = value();
        break;
      case '--port':
        opts.basePort = nonNegativeInt(flag, value());
        break;
      case '--out':
        opts.out = value();
        break;
      case '--dist':
        opts.distDir = value();
        break;
      case '--cpu-placement':
        opts.cpuPlacement = true;
        break;
      case '--observability-cost':
        opts.observabilityCost = true;
        break;
      case '--observability-rounds':
        opts.observabilityRounds = positiveInt(flag, value());
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (opts.identities >= BIG_RUN_IDENTITIES) {
    if (!given.has('--shards')) opts.shards = [...BIG_RUN_DEFAULTS.shards];
    if (!given.has('--embedded')) opts.embedded = BIG_RUN_DEFAULTS.embedded;
    if (!given.has('--raw-alongside') && !given.has('--raw-first')) opts.rawAlongside = BIG_RUN_DEFAULTS.rawAlongside;
    if (!given.has('--ef')) opts.efLadder = [...BIG_RUN_DEFAULTS.efLadder];
    if (!given.has('--raw-wait')) opts.rawWaitSeconds = BIG_RUN_DEFAULTS.rawWaitSeconds;
    if (!given.has('--ef-construction')) opts.efConstruction = BIG_RUN_DEFAULTS.efConstruction;
    if (!given.has('--settle')) opts.settleSeconds = BIG_RUN_DEFAULTS.settleSeconds;
    if (!given.has('--full-ladder')) opts.fullLadder = BIG_RUN_DEFAULTS.fullLadder;
    if (!given.has('--target-recall')) opts.targetRecall = BIG_RUN_DEFAULTS.targetRecall;
    if (!given.has('--one-client-ladder') && !given.has('--no-one-client-ladder')) opts.oneClientLadder = BIG_RUN_DEFAULTS.oneClientLadder;
    // A recall target given for a big run is what the ef is chosen by.
    if (!given.has('--target-rank1-gap') && !given.has('--target-recall')) opts.targetRank1Gap = BIG_RUN_DEFAULTS.targetRank1Gap;
  }
  if (opts.efLadder.some((ef) => ef < opts.k)) throw new UsageError(`every --ef must be >= --k (${opts.k})`);
  return opts;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${v}"`);
  return n;
}

function nonNegativeInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer, got "${v}"`);
  return n;
}

function nonNegativeNumber(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number >= 0, got "${v}"`);
  return n;
}

function fraction(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !(n >= 0 && n <= 1)) throw new UsageError(`${flag} must be within [0, 1], got "${v}"`);
  return n;
}

function intList(flag: string, v: string): number[] {
  const items = v.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new UsageError(`${flag} must be a comma-separated list of positive integers, got "${v}"`);
  return items.map((s) => positiveInt(flag, s));
}
