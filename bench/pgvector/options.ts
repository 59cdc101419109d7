/** Command-line options of `npm run bench:pgvector`. Pure: argv in, options out. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export type FaceshardMode = 'cluster' | 'embedded';

export interface PgvectorBenchOptions {
  identities: number;
  probes: number;
  /** Share of probes that show people not enrolled. */
  unenrolledFraction: number;
  seed: number;
  k: number;
  /** HNSW build parameters of both sides (pgvector's m / ef_construction, the shards' HNSW_M / HNSW_EF_CONSTRUCTION). */
  m: number;
  efConstruction: number;
  /** The ef ladder: pgvector's hnsw.ef_search and faceshard's search `ef` (pgvector allows 1..1000). */
  efLadder: number[];
  /** Requests in flight for each ladder pass (pgvector: that many connections). */
  clients: number[];
  /** Recall@k levels at which faceshard ÷ pgvector is reported. */
  recallTargets: number[];
  /** faceshard deployments to compare, in order: a 1-shard cluster over NATS and/or the embedded single process. */
  faceshard: FaceshardMode[];
  /** PostgreSQL with pgvector. */
  pgUrl: string;
  /** Schema the benchmark creates for its table and drops at the end; default one named after this process. */
  pgSchema: string | null;
  /** maintenance_work_mem of the session building the index (the graph must fit in it or the build crawls). */
  maintenanceWorkMem: string;
  /** Each ladder pass runs at least this long (repeating the probes); 0 = one round over the probes. */
  minSeconds: number;
  cacheDir: string | null;
  natsUrl: string;
  distDir: string | null;
  out: string;
}

export const DEFAULT_PGVECTOR_OPTIONS: PgvectorBenchOptions = {
  identities: 100_000,
  probes: 2_000,
  unenrolledFraction: 0.2,
  seed: 42,
  k: 10,
  m: 16,
  efConstruction: 200,
  efLadder: [64, 128, 256, 512],
  clients: [1, 8],
  recallTargets: [0.9, 0.95, 0.98, 0.99],
  faceshard: ['cluster'],
  pgUrl: 'postgres://postgres@127.0.0.1:5432/test',
  pgSchema: null,
  maintenanceWorkMem: '1GB',
  minSeconds: 0,
  // The same cache as bench:cluster: same vectors, same key, same exact answers.
  cacheDir: join(tmpdir(), 'faceshard-bench-cache'),
  natsUrl: 'nats://127.0.0.1:4222',
  distDir: null,
  out: 'bench/results/pgvector.json',
};

/** pgvector's hnsw.ef_search range. */
export const PGVECTOR_MAX_EF_SEARCH = 1000;

const d = DEFAULT_PGVECTOR_OPTIONS;
export const PGVECTOR_USAGE = `Usage: npm run bench:pgvector -- [options]
  --identities N        enrolled identities (default ${d.identities})
  --probes N            probe faces (default ${d.probes})
  --unenrolled F        share of probes of people not enrolled (default ${d.unenrolledFraction})
  --seed N              data seed (default ${d.seed}; the same vectors as bench:cluster with the same seed)
  --k N                 neighbours per search (default ${d.k})
  --m N --ef-construction N   HNSW build parameters of both sides (default ${d.m}/${d.efConstruction})
  --ef 32,64,...        ef ladder: pgvector's hnsw.ef_search, faceshard's search ef (default ${d.efLadder.join(',')}, at most ${PGVECTOR_MAX_EF_SEARCH})
  --clients 1,8         requests in flight per ladder pass (default ${d.clients.join(',')})
  --recall-targets F,.. recall@k levels for faceshard ÷ pgvector (default ${d.recallTargets.join(',')})
  --faceshard cluster,embedded   faceshard deployments: a 1-shard cluster over NATS, the embedded process (default ${d.faceshard.join(',')})
  --pg URL              PostgreSQL with the vector extension (default ${d.pgUrl})
  --pg-schema NAME      schema created for the table and dropped at the end (default bench_pgvector_<pid>)
  --maintenance-work-mem SIZE   for the index build (default ${d.maintenanceWorkMem})
  --min-seconds F       minimum duration of each ladder pass (default ${d.minSeconds}: one round over the probes)
  --cache-dir DIR / --no-cache  exact top-k kept between runs, shared with bench:cluster (default ${d.cacheDir})
  --nats URL            NATS server for the cluster (default ${d.natsUrl})
  --dist DIR            compiled apps (default <repo>/dist)
  --out PATH            JSON report (default ${d.out})
  --help`;

export class PgvectorUsageError extends Error {}

export function parsePgvectorOptions(argv: string[]): PgvectorBenchOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        identities: { type: 'string' },
        probes: { type: 'string' },
        unenrolled: { type: 'string' },
        seed: { type: 'string' },
        k: { type: 'string' },
        m: { type: 'string' },
        'ef-construction': { type: 'string' },
        ef: { type: 'string' },
        clients: { type: 'string' },
        'recall-targets': { type: 'string' },
        faceshard: { type: 'string' },
        pg: { type: 'string' },
        'pg-schema': { type: 'string' },
        'maintenance-work-mem': { type: 'string' },
        'min-seconds': { type: 'string' },
        'cache-dir': { type: 'string' },
        'no-cache': { type: 'boolean' },
        nats: { type: 'string' },
        dist: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new PgvectorUsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const o: PgvectorBenchOptions = { ...d, efLadder: [...d.efLadder], clients: [...d.clients], recallTargets: [...d.recallTargets], faceshard: [...d.faceshard] };
  if (str('identities') !== undefined) o.identities = positiveInt('--identities', str('identities')!);
  if (str('probes') !== undefined) o.probes = positiveInt('--probes', str('probes')!);
  if (str('unenrolled') !== undefined) o.unenrolledFraction = fraction('--unenrolled', str('unenrolled')!);
  if (str('seed') !== undefined) o.seed = nonNegativeInt('--seed', str('seed')!);
  if (str('k') !== undefined) o.k = positiveInt('--k', str('k')!);
  if (str('m') !== undefined) o.m = positiveInt('--m', str('m')!);
  if (str('ef-construction') !== undefined) o.efConstruction = positiveInt('--ef-construction', str('ef-construction')!);
  if (str('ef') !== undefined) o.efLadder = distinctSorted(list('--ef', str('ef')!, positiveInt));
  if (str('clients') !== undefined) o.clients = distinctSorted(list('--clients', str('clients')!, positiveInt));
  if (str('recall-targets') !== undefined) o.recallTargets = distinctSorted(list('--recall-targets', str('recall-targets')!, fraction));
  if (str('faceshard') !== undefined) o.faceshard = faceshardModes(str('faceshard')!);
  if (str('pg') !== undefined) o.pgUrl = str('pg')!;
  if (str('pg-schema') !== undefined) o.pgSchema = schemaName(str('pg-schema')!);
  if (str('maintenance-work-mem') !== undefined) o.maintenanceWorkMem = memorySize(str('maintenance-work-mem')!);
  if (str('min-seconds') !== undefined) o.minSeconds = nonNegativeNumber('--min-seconds', str('min-seconds')!);
  if (str('cache-dir') !== undefined) o.cacheDir = str('cache-dir')!;
  if (values['no-cache']) o.cacheDir = null;
  if (str('nats') !== undefined) o.natsUrl = str('nats')!;
  if (str('dist') !== undefined) o.distDir = str('dist')!;
  if (str('out') !== undefined) o.out = str('out')!;
  if (o.efLadder.some((ef) => ef < o.k || ef > PGVECTOR_MAX_EF_SEARCH)) throw new PgvectorUsageError(`every --ef must be within [--k (${o.k}), ${PGVECTOR_MAX_EF_SEARCH}] (pgvector's hnsw.ef_search range)`);
  return o;
}

/** Schema names are spliced into SQL: only plain lower-case identifiers. */
export function schemaName(v: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(v)) throw new PgvectorUsageError(`--pg-schema must be a plain lower-case SQL identifier, got "${v}"`);
  return v;
}

/** A PostgreSQL memory size such as 512MB or 1GB (spliced into SET, so checked). */
function memorySize(v: string): string {
  if (!/^[0-9]+(kB|MB|GB)$/.test(v)) throw new PgvectorUsageError(`--maintenance-work-mem must look like 512MB or 1GB, got "${v}"`);
  return v;
}

function faceshardModes(v: string): FaceshardMode[] {
  const modes = v === 'none' ? [] : v.split(',').map((s) => s.trim());
  if (modes.some((m) => m !== 'cluster' && m !== 'embedded') || new Set(modes).size !== modes.length) {
    throw new PgvectorUsageError(`--faceshard takes cluster, embedded, both as "cluster,embedded", or none; got "${v}"`);
  }
  return modes as FaceshardMode[];
}

function list(flag: string, v: string, item: (flag: string, v: string) => number): number[] {
  const items = v.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new PgvectorUsageError(`${flag} must be a comma-separated list, got "${v}"`);
  return items.map((s) => item(flag, s));
}

const distinctSorted = (xs: number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);

/** What a numeric option accepts, and how its error says so. */
const NUMBER_KINDS = {
  positiveInt: { accepts: (n: number) => Number.isInteger(n) && n >= 1, must: 'a positive integer' },
  nonNegativeInt: { accepts: (n: number) => Number.isInteger(n) && n >= 0, must: 'a non-negative integer' },
  nonNegative: { accepts: (n: number) => Number.isFinite(n) && n >= 0, must: 'a number >= 0' },
  fraction: { accepts: (n: number) => n >= 0 && n <= 1, must: 'within [0, 1]' },
} as const;

function checked(kind: keyof typeof NUMBER_KINDS): (flag: string, v: string) => number {
  const { accepts, must } = NUMBER_KINDS[kind];
  return (flag, v) => {
    const n = Number(v);
    if (v.trim() === '' || !accepts(n)) throw new PgvectorUsageError(`${flag} must be ${must}, got "${v}"`);
    return n;
  };
}

const positiveInt = checked('positiveInt');
const nonNegativeInt = checked('nonNegativeInt');
const nonNegativeNumber = checked('nonNegative');
const fraction = checked('fraction');
